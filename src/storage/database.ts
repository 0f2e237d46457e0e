import type { ColumnType, Generated } from 'kysely'

/**
 * Row shapes of the tables in migrations/. Column names are the spec's own (snake_case) so no
 * mapping layer hides drift. Timestamps are read as TAXII strings through SQL (`to_char`), never
 * through JS Date, which would drop microseconds.
 */
type Timestamp = ColumnType<string, string | undefined, string>
type Json<T> = ColumnType<T, string, string>
type BigId = ColumnType<string, never, never>

export interface HubKeysTable {
  name: string
  secret: string
  issuer: string
  created_at: Timestamp
}

export interface ApiRootsTable {
  pk: Generated<BigId>
  name: string
  title: string
  description: string | null
  versions: Json<string[]>
  max_content_length: ColumnType<string, number, number>
  is_default: Generated<boolean>
  builtin: Generated<boolean>
  created_at: Timestamp
}

export interface CollectionsTable {
  pk: Generated<BigId>
  api_root_pk: ColumnType<string, string, never>
  id: string
  alias: string | null
  title: string
  description: string | null
  can_read: boolean
  can_write: boolean
  media_types: Json<string[]>
  require_attribution: Generated<boolean>
  builtin: Generated<boolean>
  last_date_added: Timestamp | null
  rewrites: Generated<string>
  created_at: Timestamp
}

export interface ObjectsTable {
  pk: Generated<BigId>
  collection_pk: string
  id: string
  type: string
  spec_version: string
  version: string
  version_key: string
  date_added: Timestamp
  body: string
  /** the latest date_added of the records of this object sorting after it (0004) */
  newer_added: ColumnType<string | null, string | null | undefined, string | null>
}

export interface StatusesTable {
  id: string
  api_root_pk: string
  owner_sub: string | null
  status: string
  request_timestamp: Timestamp
  total_count: number
  success_count: number
  failure_count: number
  pending_count: number
  successes: Json<unknown[]>
  failures: Json<unknown[]>
  pendings: Json<unknown[]>
  expires_at: Timestamp
}

export interface AuditLogTable {
  pk: Generated<BigId>
  at: Timestamp
  sub: string | null
  action: string
  api_root: string | null
  collection_id: string | null
  details: Json<Record<string, unknown>>
}

export interface FeedsTable {
  pk: Generated<string>
  name: string
  api_root_url: string
  collection_id: string
  local_collection_pk: string
  credentials: Json<unknown>
  match_type: Json<string[]> | null
  pull_cursor: string | null
  partner_newest: string | null
  push_date_added: Timestamp | null
  push_pk: string | null
  pulled_versions: ColumnType<string, never, string>
  present_versions: ColumnType<string, never, string>
  rejected_versions: ColumnType<string, never, string>
  pushed_versions: ColumnType<string, never, string>
  last_success_at: Timestamp | null
  last_error_at: Timestamp | null
  last_error: string | null
  created_at: Timestamp
}

export interface FeedRunsTable {
  pk: Generated<string>
  feed_pk: string
  direction: string
  started_at: Timestamp
  ended_at: Timestamp | null
  pages: Generated<number>
  new_versions: Generated<number>
  present_versions: Generated<number>
  rejected_versions: Generated<number>
  outcome: Generated<string>
  error: string | null
}

export interface FeedDeliveriesTable {
  feed_pk: string
  object_id: string
  version: string
  run_pk: string
  delivered_at: Timestamp
}

export interface FeedRejectionsTable {
  feed_pk: string
  object_id: string
  version: string
  run_pk: string
  reason: string
  at: Timestamp
}

export interface PushFailuresTable {
  feed_pk: string
  /** the record's key (0014): its collection, its date_added and its pk */
  collection_pk: string
  date_added: Timestamp
  object_pk: string
  reason: string
  attempts: Generated<number>
  last_attempt_at: Timestamp
}

export interface PendingEnvelopesTable {
  api_root_pk: string
  status_id: string
  collection_pk: string
  sub: string
  identities: Json<string[]>
  body: string
  claimed_until: Timestamp
}

/** Leases of hubs reading ahead from a collection (0013); only ever written and read in SQL. */
export interface ReadAheadLeasesTable {
  collection_pk: string
  holder: string
  until: Timestamp
}

export interface Database {
  hub_keys: HubKeysTable
  api_roots: ApiRootsTable
  collections: CollectionsTable
  objects: ObjectsTable
  statuses: StatusesTable
  audit_log: AuditLogTable
  feeds: FeedsTable
  feed_runs: FeedRunsTable
  feed_deliveries: FeedDeliveriesTable
  feed_rejections: FeedRejectionsTable
  push_failures: PushFailuresTable
  pending_envelopes: PendingEnvelopesTable
  read_ahead_leases: ReadAheadLeasesTable
}
