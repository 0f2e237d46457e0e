/**
 * The storage contract, one method per thing the TAXII layer needs. One kysely implementation
 * serves PostgreSQL and PGlite; nothing above this file writes SQL.
 */

export interface ApiRootRecord {
  pk: string
  name: string
  title: string
  description: string | null
  versions: string[]
  max_content_length: number
  is_default: boolean
  builtin: boolean
}

export interface NewApiRoot {
  name: string
  title: string
  description?: string | null
  versions?: string[]
  max_content_length: number
  is_default?: boolean
  builtin?: boolean
}

export interface CollectionRecord {
  pk: string
  api_root_pk: string
  id: string
  alias: string | null
  title: string
  description: string | null
  /** The collection's policy: the ceiling on what any token may do over TAXII (T-042). */
  can_read: boolean
  can_write: boolean
  media_types: string[]
  require_attribution: boolean
  builtin: boolean
}

export interface NewCollection {
  id: string
  alias?: string | null
  title: string
  description?: string | null
  can_read: boolean
  can_write: boolean
  media_types: string[]
  require_attribution?: boolean
  builtin?: boolean
}

export interface VersionSelection {
  all: boolean
  first: boolean
  last: boolean
  /** version keys (see stix/timestamps versionKey) */
  exact: string[]
}

export interface ObjectQuery {
  collection_pk: string
  object_id?: string
  added_after?: string
  match_id?: string[]
  match_type?: string[]
  /** undefined = every version */
  match_version?: VersionSelection
  /** undefined = only the latest spec version of each object (T-122) */
  match_spec_version?: string[]
  /** When false, the default spec-version filter is not applied (DELETE, T-187). */
  default_spec_version?: boolean
}

export interface KeysetPosition {
  date_added: string
  pk: string
}

export interface ObjectRow {
  pk: string
  date_added: string
  id: string
  version: string
  spec_version: string
  body: string
}

export type ManifestRow = Omit<ObjectRow, 'body'>

export interface Page<T> {
  rows: T[]
  more: boolean
}

export interface NewObject {
  id: string
  type: string
  spec_version: string
  /** null for objects with neither modified nor created: their version is date_added (T-121) */
  version: string | null
  version_key: string | null
  body: string
}

export interface StoredVersion {
  id: string
  version: string
}

export interface AddObjectsResult {
  /** input index -> the version now stored for it */
  stored: Map<number, StoredVersion>
  /** input indexes that matched an already stored version (T-137) */
  duplicates: Map<number, StoredVersion>
  /** input indexes the check refused, with its reason */
  rejected: Map<number, string>
}

/** Runs on each object that is not a duplicate, under the collection lock, before insert. */
export type AddCheck = (index: number) => string | undefined

export interface StatusDetail {
  id: string
  version: string
  message?: string
}

export interface StatusRecord {
  id: string
  api_root_pk: string
  owner_sub: string | null
  status: 'complete' | 'pending'
  request_timestamp: string
  total_count: number
  success_count: number
  failure_count: number
  pending_count: number
  successes: StatusDetail[]
  failures: StatusDetail[]
  pendings: StatusDetail[]
}

export interface AuditEvent {
  sub: string | null
  action: string
  api_root?: string | null
  collection_id?: string | null
  details?: Record<string, unknown>
}

export interface HubKey {
  name: string
  secret: string
  issuer: string
}

export interface TaxiiStore {
  listApiRoots(): Promise<ApiRootRecord[]>
  getApiRoot(name: string): Promise<ApiRootRecord | undefined>
  createApiRoot(root: NewApiRoot): Promise<ApiRootRecord>
  listCollections(apiRootPk: string): Promise<CollectionRecord[]>
  /** by UUID or alias (T-097) */
  findCollection(apiRootPk: string, idOrAlias: string): Promise<CollectionRecord | undefined>
  createCollection(apiRootPk: string, collection: NewCollection): Promise<CollectionRecord>
  listObjects(
    query: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
  ): Promise<Page<ObjectRow>>
  listManifest(
    query: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
  ): Promise<Page<ManifestRow>>
  objectExists(collectionPk: string, objectId: string): Promise<boolean>
  deleteObjects(query: ObjectQuery): Promise<StoredVersion[]>
  addObjects(collectionPk: string, objects: NewObject[], check: AddCheck): Promise<AddObjectsResult>
  putStatus(status: StatusRecord, retentionSeconds: number): Promise<void>
  getStatus(apiRootPk: string, id: string): Promise<StatusRecord | undefined>
  audit(event: AuditEvent): Promise<void>
  /** Returns the named key, creating it from `create()` on first use; concurrent callers agree. */
  hubKey(name: string, create: () => HubKey): Promise<HubKey>
  now(): Promise<string>
  close(): Promise<void>
}
