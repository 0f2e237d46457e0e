/**
 * The storage contract, one method per thing the TAXII layer needs. One kysely implementation
 * serves PostgreSQL and PGlite; nothing above this file writes SQL.
 */

import type { RawBuilder } from 'kysely'

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

/** date_added of a page's first record, and the keyset position of its last */
export interface PageEnds {
  first: string
  last: KeysetPosition
}

/**
 * The JSON texts of a page, as UTF-8 of known sizes, copied straight into the response that holds
 * them: a page deep in a sync is 0.8 to 8 MB, and every intermediate copy of it cost the hub as
 * much as sending it.
 */
export interface PageTexts {
  readonly count: number
  /** the bytes of text `i` */
  size(i: number): number
  /** copies text `i` into `target` at `at` */
  copy(i: number, target: Buffer, at: number): void
  /** the texts will not be copied again: the memory they lie in may be used again */
  release(): void
}

/** A page of the objects endpoint: the stored texts only, which is all it sends. */
export interface TextPage {
  texts: PageTexts
  more: boolean
  /** absent when the page is empty */
  ends?: PageEnds
}

/** An envelope accepted as pending, as kept until it is stored. */
export interface PendingEnvelope {
  collection_pk: string
  sub: string
  identities: string[]
  body: string
}

export interface AbandonedEnvelope extends PendingEnvelope {
  api_root_name: string
  collection_id: string
  status_id: string
  request_timestamp: string
}

export interface NewObject {
  id: string
  type: string
  spec_version: string
  /** null for objects with neither modified nor created: their version is date_added (T-121) */
  version: string | null
  version_key: string | null
  /** the object's JSON text, or its UTF-8 bytes */
  body: string | Buffer
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

/**
 * The verdict of the caller's checks on `objects[index]`, asked for each object that is not a
 * stored version (whatever it says, a stored version is a success, S-210), possibly more than once. Checks are most of an envelope's CPU, so callers run them before addObjects and answer
 * from their results: concurrent posts to one collection then hold the lock only to write. The
 * store also applies the versioning rules that need the stored versions (S-062, S-063).
 */
export type AddCheck = (index: number) => string | undefined

/** What is written with the objects of an Add Objects (TaxiiStore.addObjects). */
export interface AddRecords {
  status?: { status: StatusRecord; retentionSeconds: number }
  /** the status finishes a pending one: its envelope (0005) is forgotten */
  releasesEnvelope?: boolean
  audit?: AuditEvent
  /** the caller's own statements, built by the storage layer (feed-store.ts), run after these */
  also?: RawBuilder<unknown>[]
}

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

/** A collection as exported: its record plus the stamp floor later posts must stay above. */
export interface ExportedCollection extends CollectionRecord {
  last_date_added: string | null
}

/** One stored object version, every column but the derived version_key. */
export interface TransferObject {
  id: string
  type: string
  spec_version: string
  /** as stored: the object's own version, or its date_added for objects without one (T-121) */
  version: string
  date_added: string
  body: string
}

export interface ExportedStatus extends StatusRecord {
  expires_at: string
  /** a pending status's envelope, not stored yet (0005) */
  envelope?: ExportedEnvelope
}

/** A pending envelope as exported: its collection named by id, within the status's API root. */
export interface ExportedEnvelope {
  collection: string
  sub: string
  identities: string[]
  body: string
}

/**
 * What an export visits, in order: each API root, its collections with their objects, then its
 * statuses.
 */
export type ExportItem =
  | { kind: 'api_root'; api_root: ApiRootRecord }
  | { kind: 'collection'; api_root: ApiRootRecord; collection: ExportedCollection }
  | {
      kind: 'objects'
      api_root: ApiRootRecord
      collection: ExportedCollection
      /** one page in (date_added, pk) order */
      objects: TransferObject[]
    }
  | { kind: 'status'; api_root: ApiRootRecord; status: ExportedStatus }

export interface ImportObject extends TransferObject {
  version_key: string
}

/** Writes of one import, all inside one transaction. */
export interface ImportWriter {
  /** undefined, and nothing written, when an API root of that name exists already */
  createApiRoot(root: NewApiRoot): Promise<ApiRootRecord | undefined>
  createCollection(
    apiRootPk: string,
    collection: NewCollection,
    lastDateAdded: string | null,
  ): Promise<CollectionRecord>
  /** Inserts in the given order, so rows sharing a date_added page in that order (T-134). */
  insertObjects(collectionPk: string, objects: ImportObject[]): Promise<void>
  /**
   * With an envelope, the status's pending envelope too, left for the first hub serving the
   * database to store (its lease has run out already).
   */
  putStatus(status: StatusRecord, expiresAt: string, envelope?: PendingEnvelope): Promise<void>
}

/**
 * An import that would leave a collection holding one version of an object twice: no index
 * refuses one (0011), so importAll checks every collection it filled before it commits.
 */
export class RepeatedVersionError extends Error {
  override name = 'RepeatedVersionError'
}

export interface TransferStore {
  /** Visits everything from one snapshot; the next page is read only once `visit` resolves. */
  exportAll(visit: (item: ExportItem) => Promise<void>): Promise<void>
  /**
   * Runs `write` in one transaction: whatever it throws leaves nothing written, nor does a
   * collection it filled with one version twice (RepeatedVersionError).
   */
  importAll<T>(write: (writer: ImportWriter) => Promise<T>): Promise<T>
}

export interface TaxiiStore extends TransferStore {
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
  /**
   * Up to `pages` consecutive pages of `limit` items after `after`, read by one query: each the
   * page after the one before, fewer where the listing ends; the first is there even if empty.
   */
  listObjectTextRun(
    query: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
    pages: number,
  ): Promise<TextPage[]>
  listManifest(
    query: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
  ): Promise<Page<ManifestRow>>
  objectExists(collectionPk: string, objectId: string): Promise<boolean>
  /**
   * How many times versions were removed from the collection (0009): a page read earlier holds
   * none of them removed since only if this has not moved, whichever process removed them.
   */
  removals(collectionPk: string): Promise<string>
  /**
   * Leases the collection to this store's hub for `ms` (0013): until the lease runs out, a removal
   * of its versions through any other store is answered only once it has. So a page this hub read
   * while it held the lease can be served until then without asking for removals.
   */
  leaseReadAhead(collectionPk: string, ms: number): Promise<void>
  /**
   * Deletes the versions `query` selects and writes the audit event `record` makes of them, in one
   * transaction (nothing when none is selected). Returns them once no other hub's read-ahead lease
   * can serve them.
   */
  deleteObjects(
    query: ObjectQuery,
    record: (removed: StoredVersion[]) => AuditEvent,
  ): Promise<StoredVersion[]>
  /**
   * Deletes, in one transaction, up to `limit` of the collection's versions added more than
   * `seconds` ago, oldest first, with the audit event `record` makes of their count (T-017);
   * returns how many.
   */
  expireVersions(
    collectionPk: string,
    seconds: number,
    limit: number,
    record: (removed: number) => AuditEvent,
  ): Promise<number>
  /**
   * Stores the new versions among `objects` in one transaction, with what `record` returns for
   * the outcome: a status resource and an audit event, written in the same transaction.
   */
  addObjects(
    collectionPk: string,
    objects: NewObject[],
    check: AddCheck,
    record?: (result: AddObjectsResult) => AddRecords,
  ): Promise<AddObjectsResult>
  putStatus(status: StatusRecord, retentionSeconds: number): Promise<void>
  /**
   * Records a pending status together with the envelope it stands for, claimed by this process
   * for `leaseSeconds` (0005).
   */
  putPendingStatus(
    status: StatusRecord,
    retentionSeconds: number,
    envelope: PendingEnvelope,
    leaseSeconds: number,
  ): Promise<void>
  /** Forgets a pending envelope once its final status is written. */
  releaseEnvelope(apiRootPk: string, statusId: string): Promise<void>
  /**
   * Claims, for `leaseSeconds`, one pending envelope whose lease ran out (its hub stopped before
   * storing it); undefined when there is none. Concurrent hubs never claim the same one.
   */
  claimAbandonedEnvelope(leaseSeconds: number): Promise<AbandonedEnvelope | undefined>
  getStatus(apiRootPk: string, id: string): Promise<StatusRecord | undefined>
  /** Deletes status resources past their retention; returns how many. */
  purgeExpiredStatuses(): Promise<number>
  audit(event: AuditEvent): Promise<void>
  /** Returns the named key, creating it from `create()` on first use; concurrent callers agree. */
  hubKey(name: string, create: () => HubKey): Promise<HubKey>
  now(): Promise<string>
  close(): Promise<void>
}

/**
 * Whether a text can be stored, or looked up: PostgreSQL text cannot hold U+0000, so a name with
 * one names nothing stored, and a query given one fails.
 */
export const storable = (text: string): boolean => !text.includes('\u0000')
