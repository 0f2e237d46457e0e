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

export interface Database {
  hub_keys: HubKeysTable
  api_roots: ApiRootsTable
  collections: CollectionsTable
  objects: ObjectsTable
  statuses: StatusesTable
  audit_log: AuditLogTable
}
