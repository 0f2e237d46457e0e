import { randomUUID } from 'node:crypto'
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely'
import type { Database } from './database.js'
import type {
  AbandonedEnvelope,
  AddCheck,
  AddObjectsResult,
  AddRecords,
  ApiRootRecord,
  AuditEvent,
  CollectionRecord,
  KeysetPosition,
  ManifestRow,
  NewApiRoot,
  NewCollection,
  NewObject,
  ObjectQuery,
  ObjectRow,
  Page,
  PageTexts,
  StatusRecord,
  StoredVersion,
  TaxiiStore,
  TextPage,
} from './store.js'
import { storable } from './store.js'
import {
  apiRootColumns,
  apiRootValues,
  collectionColumns,
  collectionValues,
  taxiiText,
} from './columns.js'
import {
  consecutiveStamps,
  nthStamp,
  STAMP_SPACING_US,
  taxiiOfPgMicroseconds,
  unixMicroseconds,
} from './taxii-time.js'
import { inCollection } from './in-collection.js'
import { keyOf, keysOf, objectKey } from './object-key.js'
import { binaryCopyIn, binaryCopyOut } from './open-database.js'
import { BinaryCopyWriter, CopyFields, type CopyData } from './binary-copy.js'
import { RecentAdds } from './recent-adds.js'
import { createTransferStore } from './transfer.js'
import { refreshNewer } from './newer-added.js'
import { envelopeRelease, statusUpsert, writePendingEnvelope, writeStatus } from './statuses.js'
import { auditInsert } from './audit-log.js'
import { RecentReads } from './recent-reads.js'
import { leaseReadAhead, leasesRunOut } from './read-ahead-leases.js'
import { textArray } from './text-arrays.js'
import { factsOf, versioningProblem, type VersionFacts } from '../stix/versioning.js'
import { mediaTypeForSpec } from '../media-types.js'

/** How long an API root or collection read is served without asking the database again. */
const READ_TTL_MS = 1000

/** Buffers of COPY rows kept for reuse: one for each envelope in flight with a few posters. */
const SPARE_ROW_BUFFERS = 4

/** Rows a hub adds before it first analyzes the objects table (see keepStatistics). */
const ANALYZE_AFTER_ROWS = 10_000

/**
 * The statistics target of the hub's own ANALYZE runs (keepStatistics), in place of the server's
 * default_statistics_target (100 unless configured): ANALYZE samples 300 rows per unit of target,
 * and reading the sample is most of its work. At 210,000 rows a run took 293-316 ms at 100 and
 * 68-86 ms at 30 (psql); the seven runs of an ingest of 700,000 objects took 1.7 s at 100 and
 * 0.63 s at 30, beside the ingest's ~32 s of CPU. The plans the hub serves read collections by pk
 * and stamps: they need the table's size, the number of collections and the rough spread of
 * stamps, which 9,000 sampled rows give. Autovacuum, an ANALYZE run by hand and the one after an
 * import use the server's default, and a column given a target of its own (ALTER TABLE ... SET
 * STATISTICS) keeps it in every run.
 */
const OWN_ANALYZE_TARGET = 30

/** The version key (stix/timestamps versionKey) of a TAXII timestamp: 9 fractional digits. */
const versionKeyOfTaxii = (ts: string): string => `${ts.slice(0, 26)}000`

/**
 * NOT EXISTS over the sibling records of `o`. `offset 0` keeps it a probe of the key index per row:
 * pulled up into a join, it let stale statistics (a poller asking for rows newer than the last
 * ANALYZE saw) hash all the collection's new rows for every page, 256 ms instead of 1 ms with
 * 30,000 rows added since (EXPLAIN ANALYZE); with fresh statistics both forms cost the same.
 */
const noSibling = (conditions: RawBuilder<unknown>): RawBuilder<unknown> =>
  sql`not exists (select 1 from objects s where ${conditions} offset 0)`

/**
 * WHERE clause of an object listing, following TAXII 2.1 §3.4 and the evaluation order of
 * T-123: filters on the record itself, then spec-version and version selection among the
 * records of the same object that pass the same filters. Sibling checks are per-row probes of the
 * hash index on the object's key (0012) and read the siblings' rows, for most objects only the row
 * itself, on the heap page the listing has just read: a page costs the same wherever it starts.
 */
function objectConditions(q: ObjectQuery): RawBuilder<unknown> {
  const where: RawBuilder<unknown>[] = [inCollection('o.collection_pk', q.collection_pk)]
  if (q.object_id !== undefined) {
    const key = keyOf(sql`${q.object_id}::text`, q.collection_pk)
    where.push(sql`${objectKey('o')} = ${key} and o.id = ${q.object_id}`)
  }
  if (q.match_id !== undefined) {
    const keys = keysOf(sql`${q.match_id}::text[]`, q.collection_pk)
    where.push(sql`${objectKey('o')} = any(${keys}) and o.id = any(${q.match_id}::text[])`)
  }
  if (q.match_type !== undefined) where.push(sql`o.type = any(${q.match_type}::text[])`)
  if (q.added_after !== undefined) {
    where.push(sql`o.date_added > ${q.added_after}::timestamptz`)
  }

  const sibling: RawBuilder<unknown>[] = [
    sql`${objectKey('s')} = ${objectKey('o')}`,
    sql`s.collection_pk = o.collection_pk`,
    sql`s.id = o.id`,
  ]
  if (q.added_after !== undefined) {
    sibling.push(sql`s.date_added > ${q.added_after}::timestamptz`)
  }
  const v = q.match_version
  if (q.match_spec_version !== undefined) {
    where.push(sql`o.spec_version = any(${q.match_spec_version}::text[])`)
    sibling.push(sql`s.spec_version = any(${q.match_spec_version}::text[])`)
  } else if (
    q.default_spec_version !== false &&
    v?.last === true &&
    !v.first &&
    !v.all &&
    v.exact.length === 0
  ) {
    // The default listing (newest spec version, then its newest version): both rules at once, as
    // no sibling passing the filters may sort after this record by (spec_version, version_key).
    // newer_added (0004) says without a probe per row whether one was added after added_after.
    where.push(
      q.added_after === undefined
        ? sql`o.newer_added is null`
        : sql`(o.newer_added is null or o.newer_added <= ${q.added_after}::timestamptz)`,
    )
    return sql.join(where, sql` and `)
  } else if (q.default_spec_version !== false) {
    // spec versions are n.m with single digits today, so text order is numeric order
    where.push(noSibling(sql`${sql.join(sibling, sql` and `)} and s.spec_version > o.spec_version`))
    sibling.push(sql`s.spec_version = o.spec_version`)
  }

  if (v !== undefined && !v.all) {
    const siblings = sql.join(sibling, sql` and `)
    const any: RawBuilder<unknown>[] = []
    if (v.last) {
      any.push(noSibling(sql`${siblings} and s.version_key > o.version_key`))
    }
    if (v.first) {
      any.push(noSibling(sql`${siblings} and s.version_key < o.version_key`))
    }
    if (v.exact.length > 0) any.push(sql`o.version_key = any(${v.exact}::text[])`)
    where.push(sql`(${sql.join(any, sql` or `)})`)
  }
  return sql.join(where, sql` and `)
}

function afterCondition(after: KeysetPosition | undefined): RawBuilder<unknown> {
  return after === undefined
    ? sql`true`
    : sql`(o.date_added, o.pk) > (${after.date_added}::timestamptz, ${after.pk}::bigint)`
}

const versionKeyOf = (o: NewObject): string | undefined =>
  o.version_key === null ? undefined : `${o.id}\u0000${o.version_key}`

interface VersionRow {
  id: string
  version: string
  version_key: string
}

/**
 * Rows of the records of `ids` in a collection (`projection` over `o`), found by one probe of the
 * key index per id. With `id = any(ids)`, statistics taken before a collection filled made
 * the planner read all of its records and filter them: 40 ms instead of 4 per envelope of 1,000
 * posted to a collection of 50,000 (EXPLAIN ANALYZE), which ANALYZE only mends much later. Per
 * id, such statistics could still choose the page index (objects_pkey) and filter by id, which
 * inCollection prevents.
 */
export const recordsOf = (
  collectionPk: string,
  ids: string[],
  projection: RawBuilder<unknown>,
): RawBuilder<unknown> => sql`
  select r.* from unnest(${textArray(ids)}) u(id) cross join lateral (
    select ${projection} from objects o
    where ${inCollection('o.collection_pk', collectionPk)}
      and ${objectKey('o')} = ${keyOf(sql`u.id`, collectionPk)} and o.id = u.id offset 0) r`

const VERSION_COLUMNS = sql`o.id, o.version, o.version_key`

/** The stored versions of `ids`: under the collection lock, none can appear meanwhile. */
function findVersions(
  trx: Transaction<Database>,
  collectionPk: string,
  ids: string[],
): Promise<VersionRow[]> {
  return sql<VersionRow>`${recordsOf(collectionPk, ids, VERSION_COLUMNS)}`
    .execute(trx)
    .then((r) => r.rows)
}

/** Revocations and creators of the stored versions of these ids (S-062, S-063). */
async function findLineage(
  trx: Transaction<Database>,
  collectionPk: string,
  ids: string[],
): Promise<Map<string, VersionFacts[]>> {
  const facts = sql`o.id, o.version_key,
    coalesce((o.body::jsonb -> 'revoked') = 'true'::jsonb, false) as revoked,
    o.body::jsonb ->> 'created_by_ref' as creator`
  const { rows } = await sql<{ id: string } & VersionFacts>`${recordsOf(
    collectionPk,
    [...new Set(ids)],
    facts,
  )}`.execute(trx)
  const lineage = new Map<string, VersionFacts[]>()
  for (const { id, ...facts } of rows) lineage.set(id, [...(lineage.get(id) ?? []), facts])
  return lineage
}

/** The stored versions of an envelope's ids, as duplicates are found (T-137). */
class StoredVersions {
  private readonly exact = new Map<string, StoredVersion>()
  private readonly anyVersion = new Map<string, StoredVersion>()

  constructor(rows: VersionRow[]) {
    for (const r of rows) {
      this.exact.set(`${r.id}\u0000${r.version_key}`, { id: r.id, version: r.version })
      this.anyVersion.set(r.id, { id: r.id, version: r.version })
    }
  }

  /** The stored version `o` duplicates; T-137: one with no version matches any of its id. */
  find(o: NewObject): StoredVersion | undefined {
    const key = versionKeyOf(o)
    return key === undefined ? this.anyVersion.get(o.id) : this.exact.get(key)
  }

  /** Whether some version of this id is stored. */
  holds(id: string): boolean {
    return this.anyVersion.has(id)
  }
}

/**
 * The forms a TAXII identifier (collection or status id) is looked up in: UUIDs are
 * case-insensitive on input (RFC 4122 §3), and ids are kept as minted (lower case) or as imported
 * (verbatim), so the form sent, and its lower and upper case, each hit the index.
 */
function spellings(id: string): string[] {
  return [...new Set([id, id.toLowerCase(), id.toUpperCase()])]
}

/** Where a collection's writes stood: its newest stamp, and how many rewrites it has had (0009). */
interface CollectionMark {
  last: string | null
  rewrites: string
}

/**
 * Where a collection's writes stood when its lock was taken: the first stamp free, and its media
 * types (as JSON text) before any move the lock made (lockCollection).
 */
interface LockedCollection extends CollectionMark {
  base: string
  mediaTypes: string
}

/** The stored versions of `ids` and the collection's mark, read in one snapshot. */
async function readStored(
  trx: Transaction<Database>,
  collectionPk: string,
  ids: string[],
): Promise<{ versions: StoredVersions; mark: CollectionMark }> {
  // one statement, so one snapshot: the collection's row is the one with no object id
  const { rows } = await sql<VersionRow & CollectionMark>`
    select null as id, null as version, null as version_key,
      ${taxiiText(sql`last_date_added`)} as last, rewrites::text as rewrites
    from collections where pk = ${collectionPk}::bigint
    union all
    select id, version, version_key, null, null from (${recordsOf(collectionPk, ids, VERSION_COLUMNS)}) v`.execute(
    trx,
  )
  const mark = rows.find((r) => r.id === null)
  if (mark === undefined) throw new TypeError(`collection ${collectionPk} does not exist`)
  return {
    versions: new StoredVersions(rows.filter((r) => r.id !== null)),
    mark: { last: mark.last, rewrites: mark.rewrites },
  }
}

/** The ids of the records of a collection stamped after `stamp`. */
export const addedSince = (collectionPk: string, stamp: string): RawBuilder<{ id: string }> =>
  sql<{ id: string }>`select id from objects
    where ${inCollection('collection_pk', collectionPk)} and date_added > ${stamp}::timestamptz`

/**
 * Whether versions of `ids` can have been added or removed between `seen` and the lock: posts
 * stamp above the newest stamp and commit in stamp order, so what they added since is newer than
 * it; deletions count as rewrites. The posts since are asked of `recent` first.
 */
async function changedSince(
  trx: Transaction<Database>,
  collectionPk: string,
  ids: string[],
  seen: CollectionMark,
  now: CollectionMark,
  recent: RecentAdds,
): Promise<boolean> {
  if (now.rewrites !== seen.rewrites) return true
  if (now.last === seen.last) return false
  const touched = recent.touched(collectionPk, seen.last, now.last, ids)
  if (touched !== undefined) return touched
  // the ids, not the versions: a new one may also change a stored lineage's verdict (S-062)
  const { rows } = await addedSince(collectionPk, seen.last ?? '-infinity').execute(trx)
  const wanted = new Set(ids)
  return rows.some((r) => wanted.has(r.id))
}

/**
 * What every removal of versions from a collection does after it, under its lock: the survivors'
 * newer_added (0004) changes, and the removal counts as a rewrite (0009) for posts planned before.
 */
async function afterRemoval(
  trx: Transaction<Database>,
  collectionPk: string,
  removed: readonly { id: string }[],
): Promise<void> {
  await refreshNewer(trx, collectionPk, [...new Set(removed.map((r) => r.id))])
  await sql`update collections set rewrites = rewrites + 1
    where pk = ${collectionPk}::bigint`.execute(trx)
}

/** What an Add Objects writes, as decided against the stored versions it was planned with. */
interface AddPlan {
  /** the new versions, each with its index in the input */
  fresh: { index: number; object: NewObject }[]
  duplicates: Map<number, StoredVersion>
  rejected: Map<number, string>
  /** [index, index of its first occurrence]: a repeat shares the fate of the first */
  pendingDuplicates: [number, number][]
  /** objects with new versions and other records, whose newer_added must be refreshed */
  relatedIds: string[]
}

/** Sorts `objects` into new versions, stored ones and refused ones (T-137, S-062, S-063). */
async function planAdd(
  trx: Transaction<Database>,
  collectionPk: string,
  objects: NewObject[],
  check: AddCheck,
  known: StoredVersions,
): Promise<AddPlan> {
  const duplicates = new Map<number, StoredVersion>()
  const rejected = new Map<number, string>()
  let fresh: { index: number; object: NewObject }[] = []
  const seenFresh = new Map<string, number>()
  const seenVersionless = new Map<string, number>()
  const pendingDuplicates: [number, number][] = []
  // new versions of objects the collection holds: checked against their stored lineage
  const relatives: { index: number; object: NewObject }[] = []
  objects.forEach((object, index) => {
    const hit = known.find(object)
    if (hit !== undefined) {
      duplicates.set(index, hit)
      return
    }
    const key = versionKeyOf(object)
    const earlier = key === undefined ? seenVersionless.get(object.id) : seenFresh.get(key)
    if (earlier !== undefined) {
      pendingDuplicates.push([index, earlier])
      return
    }
    const problem = check(index)
    if (problem !== undefined) {
      rejected.set(index, problem)
      return
    }
    if (key !== undefined && known.holds(object.id)) relatives.push({ index, object })
    if (key === undefined) seenVersionless.set(object.id, index)
    else seenFresh.set(key, index)
    fresh.push({ index, object })
  })

  if (relatives.length > 0) {
    const lineage = await findLineage(
      trx,
      collectionPk,
      relatives.map((r) => r.object.id),
    )
    const refused = new Set<number>()
    for (const { index, object } of relatives) {
      const problem = versioningProblem(
        lineage.get(object.id) ?? [],
        factsOf(String(object.body), object.version_key!),
      )
      if (problem !== undefined) {
        rejected.set(index, problem)
        refused.add(index)
      }
    }
    fresh = fresh.filter((f) => !refused.has(f.index))
  }

  // a record of an object seen for the first time, alone in its envelope, has no sibling
  const versioned = new Map<string, boolean>()
  for (const f of fresh) versioned.set(f.object.id, versioned.has(f.object.id))
  const relatedIds = [...versioned]
    .filter(([id, repeated]) => repeated || known.holds(id))
    .map(([id]) => id)
  return { fresh, duplicates, rejected, pendingDuplicates, relatedIds }
}

const secondsFromNow = (seconds: number): RawBuilder<string> =>
  sql`clock_timestamp() + ${seconds} * interval '1 second'`

/** The STIX versions new versions are written in, once each. */
const specsOf = (fresh: readonly { object: NewObject }[]): string[] => [
  ...new Set(fresh.map((f) => f.object.spec_version)),
]

/**
 * The collection after a post: its newest stamp `last`, and the media types `found` under its lock
 * (JSON text) with those of `specs` they lack.
 */
const collectionWrite = (
  collectionPk: string,
  last: string | null,
  found: string,
  specs: readonly string[],
): RawBuilder<unknown> => sql`
  update collections set
    last_date_added = ${last}::timestamptz,
    media_types = ${withMediaTypes(sql`${found}::jsonb`, specs)}
  where pk = ${collectionPk}::bigint`

/** The outcome of `plan`, given the dates of its new versions (unused for those with a version). */
function resultOf(plan: AddPlan, dates: readonly string[]): AddObjectsResult {
  const duplicates = new Map(plan.duplicates)
  const rejected = new Map(plan.rejected)
  const stored = new Map<number, StoredVersion>()
  plan.fresh.forEach((f, i) =>
    stored.set(f.index, { id: f.object.id, version: f.object.version ?? dates[i]! }),
  )
  for (const [index, first] of plan.pendingDuplicates) {
    const version = stored.get(first)
    if (version !== undefined) duplicates.set(index, version)
    else rejected.set(index, rejected.get(first)!)
  }
  return { stored, duplicates, rejected }
}

/** The status writes of an Add Objects' records. */
function statusWrites(records: AddRecords): RawBuilder<unknown>[] {
  if (records.status === undefined) return []
  const { status, retentionSeconds } = records.status
  const writes = [statusUpsert(status, secondsFromNow(retentionSeconds))]
  if (records.releasesEnvelope === true) writes.push(envelopeRelease(status))
  return writes
}

/** Runs data-modifying statements as one, in one round trip. */
async function writeTogether(
  trx: Transaction<Database>,
  writes: readonly RawBuilder<unknown>[],
): Promise<void> {
  if (writes.length === 0) return
  await sql`with ${sql.join(namedWrites(writes))} select 1`.execute(trx)
}

/** `writes` as the named parts of one WITH. */
const namedWrites = (writes: readonly RawBuilder<unknown>[]): RawBuilder<unknown>[] =>
  writes.map((w, i) => sql`${sql.raw(`w${i}`)} as (${w})`)

/**
 * The records of a post written before the collection lock: its status and its audit event, in one
 * round trip. Returns the audit event's pk, for a post whose plan changes under the lock to take
 * it back.
 */
async function writeEarly(
  trx: Transaction<Database>,
  records: AddRecords,
): Promise<string | undefined> {
  const writes = statusWrites(records)
  if (records.audit === undefined) {
    await writeTogether(trx, writes)
    return undefined
  }
  const parts = namedWrites(writes)
  parts.push(sql`audited as (${auditInsert(records.audit)} returning pk)`)
  const { rows } = await sql<{ pk: string }>`
    with ${sql.join(parts)} select pk::text as pk from audited`.execute(trx)
  return rows[0]!.pk
}

/** `current` media types, and those of `specs` it lacks. */
const withMediaTypes = (current: RawBuilder<unknown>, specs: readonly string[]) => sql`
  ${current} || coalesce((
    select jsonb_agg(m) from unnest(${specs.map(mediaTypeForSpec)}::text[]) m
    where not ${current} ? m), '[]'::jsonb)`

const STAMP_SPACING = sql`${sql.lit(STAMP_SPACING_US)} * interval '1 microsecond'`

/** One page of a listing and the row after it, which says whether there is more. */
function pageQuery<T>(
  projection: RawBuilder<unknown>,
  q: ObjectQuery,
  after: KeysetPosition | undefined,
  limit: number,
): RawBuilder<T> {
  return sql<T>`
    select ${projection}
    from objects o
    where ${objectConditions(q)} and ${afterCondition(after)}
    order by o.date_added, o.pk
    limit ${limit + 1}`
}

function page<T>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit
  if (more) rows.length = limit
  return { rows, more }
}

/**
 * Up to `pages` consecutive pages of `limit` rows read by one COPY (binary-copy.ts) of up to
 * `pages * limit + 1` rows: pk and date_added in PostgreSQL's binary forms (int8, and timestamptz
 * as int8 microseconds) and the body. Each page is what a query for `limit` rows after the page
 * before it would have read in the same snapshot, since every filter tests a row on its own. Only
 * the ends are decoded; the bodies are copied as bytes, once, from the chunks COPY gave into the
 * response, and the chunks are released once every page of the run is: a page's texts cannot be
 * copied after it is released. The first page is there even when it is empty; later ones only if
 * they hold rows.
 */
function textPagesOfCopy(data: CopyData, limit: number, pages: number): TextPage[] {
  const fields = new CopyFields(data, 3)
  if (fields.rows === 0) return [{ texts: NO_TEXTS, more: false }]
  const count = Math.min(pages, Math.ceil(fields.rows / limit))
  let unreleased = count
  return Array.from({ length: count }, (_, p) => {
    const from = p * limit
    const to = Math.min(from + limit, fields.rows)
    let released = false
    return {
      texts: {
        count: to - from,
        size: (i) => fields.size(from + i, 2),
        copy(i, target, at) {
          if (released) throw new Error('a page read by COPY was released')
          fields.copy(from + i, 2, target, at)
        },
        release() {
          if (released) return
          released = true
          if (--unreleased === 0) data.release?.()
        },
      },
      more: fields.rows > to,
      ends: {
        first: taxiiOfPgMicroseconds(fields.int8(from, 1)),
        last: {
          date_added: taxiiOfPgMicroseconds(fields.int8(to - 1, 1)),
          pk: String(fields.int8(to - 1, 0)),
        },
      },
    }
  })
}

const NO_TEXTS: PageTexts = {
  count: 0,
  size: () => 0,
  copy: () => undefined,
  release: () => undefined,
}

const OBJECT_COPY_TARGET =
  'objects (collection_pk, id, type, spec_version, version, version_key, date_added, body)'

/** COPY rows of new versions whose date_added is written last, once the stamps are known. */
interface UnstampedRows {
  /** the buffer the rows are written in, to be used again once they have been read */
  readonly memory: Buffer
  /** The rows, dated with the consecutive stamps (nthStamp) from `start`, in epoch µs. */
  stamped(start: number): Buffer
}

/** The COPY rows of new versions: `versions[i]` and `versionKeys[i]` are those of `fresh[i]`. */
function objectRows(
  collectionPk: string,
  fresh: readonly { object: NewObject }[],
  versions: readonly string[],
  versionKeys: readonly string[],
  memory: Buffer | undefined,
): UnstampedRows {
  const pk = Number(collectionPk)
  let estimate = 0
  for (const { object } of fresh) estimate += object.body.length + object.id.length + 120
  const rows = new BinaryCopyWriter(estimate, memory)
  const slots = new Array<number>(fresh.length)
  fresh.forEach(({ object }, i) => {
    rows
      .row(8)
      .int8(pk)
      .text(object.id)
      .text(object.type)
      .text(object.spec_version)
      .text(versions[i]!)
      .text(versionKeys[i]!)
    slots[i] = rows.timestamptzSlot()
    rows.text(object.body)
  })
  return {
    get memory() {
      return rows.memory
    },
    stamped(start) {
      slots.forEach((slot, i) => rows.setTimestamptz(slot, nthStamp(start, i)))
      return rows.end()
    },
  }
}

/**
 * The rows of new versions that all state their version, written before the lock (their stamps
 * are written under it, by `stamped`); undefined for others.
 */
function rowsAhead(
  collectionPk: string,
  fresh: readonly { object: NewObject }[],
  memory: () => Buffer | undefined,
): UnstampedRows | undefined {
  const versions: string[] = []
  const keys: string[] = []
  for (const { object } of fresh) {
    if (object.version === null || object.version_key === null) return undefined
    versions.push(object.version)
    keys.push(object.version_key)
  }
  return objectRows(collectionPk, fresh, versions, keys, memory())
}

export function createKyselyStore(db: Kysely<Database>): TaxiiStore {
  const copyOut = binaryCopyOut(db)
  // this store's name among the holders of read-ahead leases: one per hub process
  const holder = randomUUID()
  // the memory of COPY rows written before, for the next envelope's (~900 kB per 1,000 objects)
  const spareRows: Buffer[] = []
  async function listObjectTextRun(
    q: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
    pages: number,
  ): Promise<TextPage[]> {
    const query = pageQuery(sql`o.pk, o.date_added, o.body`, q, after, pages * limit)
    return textPagesOfCopy(await copyOut(query.compile(db)), limit, pages)
  }
  /**
   * Every removal of versions from a collection: `remove` deletes them under the collection's lock,
   * and in the same transaction the survivors' newer_added and the rewrites follow (afterRemoval)
   * and the audit event `record` makes of them is written; nothing when none was removed. It
   * returns once the read-ahead leases other hubs hold on the collection have run out (0013).
   */
  async function removeVersions<R extends { id: string }>(
    collectionPk: string,
    remove: RawBuilder<R>,
    record: (removed: R[]) => AuditEvent,
  ): Promise<R[]> {
    const removed = await db.transaction().execute(async (trx) => {
      await lockCollection(trx, collectionPk)
      const { rows } = await remove.execute(trx)
      if (rows.length === 0) return rows
      // a version added long ago may be newer than one added since: the survivors' flags change
      await afterRemoval(trx, collectionPk, rows)
      await auditInsert(record(rows)).execute(trx)
      return rows
    })
    if (removed.length > 0) await leasesRunOut(db, collectionPk, holder)
    return removed
  }
  async function listRows<T extends { date_added: string }>(
    projection: RawBuilder<unknown>,
    q: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
  ): Promise<Page<T>> {
    const { rows } = await pageQuery<T>(projection, q, after, limit).execute(db)
    return page(rows, limit)
  }

  const manifestProjection = sql`o.pk::text as pk, ${taxiiText(sql`o.date_added`)} as date_added,
    o.id, o.version, o.spec_version`

  /**
   * Takes the collection lock (T-134: stamps are handed out and committed in order under it) and
   * says where its writes stood: the first stamp free, the newest given, the rewrites (0009) and
   * the media types. With `advance`, for a post whose new versions were planned and recorded
   * before the lock, the same statement moves the collection's newest stamp past the `count`
   * stamps they take and adds the media types of their `specs`, so that nothing is left to write
   * between the COPY and the commit unless the plan changes under the lock.
   */
  async function lockCollection(
    trx: Transaction<Database>,
    collectionPk: string,
    advance?: { count: number; specs: readonly string[] },
  ): Promise<LockedCollection> {
    const moved =
      advance === undefined
        ? sql``
        : sql`, moved as (
            update collections c set
              last_date_added = old.base + ${advance.count - 1}::int * ${STAMP_SPACING},
              media_types = ${withMediaTypes(sql`old.media_types`, advance.specs)}
            from old where c.pk = ${collectionPk}::bigint)`
    const { rows } = await sql<LockedCollection>`
      with old as (
        select greatest(clock_timestamp(),
            coalesce(last_date_added + ${STAMP_SPACING}, '-infinity')) as base,
          last_date_added, rewrites, media_types
        from collections where pk = ${collectionPk}::bigint for update)${moved}
      select ${taxiiText(sql`old.base`)} as base, ${taxiiText(sql`old.last_date_added`)} as last,
        old.rewrites::text as rewrites, old.media_types::text as "mediaTypes"
      from old`.execute(trx)
    const row = rows[0]
    if (row === undefined) throw new TypeError(`collection ${collectionPk} does not exist`)
    return row
  }

  /** Keeps the memory of COPY rows no socket reads any more, for the next envelope's. */
  function keepRows(rows: UnstampedRows): void {
    if (spareRows.length < SPARE_ROW_BUFFERS) spareRows.push(rows.memory)
  }

  // Listing plans need statistics: with none, PostgreSQL guesses a collection holds a few thousand
  // rows and sorts all of it for every page (a full sync of 200,000 objects ran at 1,041 objects/s).
  // Autovacuum keeps them on a server, but embedded PGlite is one standalone backend without
  // autovacuum, and CI-tuned servers turn it off. So the hub analyzes the table itself whenever
  // the rows it added since its last ANALYZE reach the table's size then: a handful of runs even
  // for a million objects, none for a small hub.
  let addedSinceAnalyze = 0
  let rowsAtAnalyze = 0
  let analyzing: Promise<void> | undefined
  function keepStatistics(added: number): void {
    addedSinceAnalyze += added
    const due = Math.max(ANALYZE_AFTER_ROWS, rowsAtAnalyze)
    if (analyzing !== undefined || addedSinceAnalyze < due) return
    const rows = rowsAtAnalyze + addedSinceAnalyze
    addedSinceAnalyze = 0
    analyzing = db
      .transaction()
      .execute(async (trx) => {
        await sql`set local default_statistics_target = ${sql.lit(OWN_ANALYZE_TARGET)}`.execute(trx)
        await sql`analyze objects`.execute(trx)
      })
      .then(
        () => {
          rowsAtAnalyze = rows
        },
        // a failed ANALYZE only leaves the older statistics in place
        () => undefined,
      )
      .finally(() => {
        analyzing = undefined
      })
  }

  // Every TAXII request but discovery starts by reading its API root and then its collection,
  // and on a 2-core machine each query round trip cost the hub ~0.25 ms of CPU in socket writes
  // alone (16 pollers asking for 100 objects: 3 queries a request, 48% of the hub's CPU in
  // writev). A root never changes once created but for is_default, which only discovery shows,
  // and discovery lists the roots afresh. A collection never changes but for the media types its
  // objects add, which this process forgets on every add: another process's add shows within
  // READ_TTL_MS, like its new objects in a listing that began before it.
  const apiRoots = new RecentReads<ApiRootRecord>(READ_TTL_MS)
  const collections = new RecentReads<CollectionRecord>(READ_TTL_MS)

  const transfer = createTransferStore(db)
  const recentAdds = new RecentAdds()
  const store: TaxiiStore = {
    ...transfer,

    // an import may bring a million rows that are then only read: analyze them at once
    async importAll(write) {
      apiRoots.forget()
      collections.forget()
      const result = await transfer.importAll(write)
      await sql`analyze objects`.execute(db)
      return result
    },

    async listApiRoots() {
      const rows = await db
        .selectFrom('api_roots')
        .select(apiRootColumns)
        .orderBy('created_at')
        .orderBy('pk')
        .execute()
      return rows as ApiRootRecord[]
    },

    getApiRoot(name) {
      return apiRoots.read(name, async () => {
        const row = (await db
          .selectFrom('api_roots')
          .select(apiRootColumns)
          .where('name', '=', name)
          .executeTakeFirst()) as ApiRootRecord | undefined
        if (row !== undefined) Object.freeze(row.versions)
        return row === undefined ? undefined : Object.freeze(row)
      })
    },

    async createApiRoot(root: NewApiRoot) {
      apiRoots.forget()
      return db.transaction().execute(async (trx) => {
        if (root.is_default === true) {
          await trx.updateTable('api_roots').set({ is_default: false }).execute()
        }
        const row = await trx
          .insertInto('api_roots')
          .values(apiRootValues(root))
          .returning(apiRootColumns)
          .executeTakeFirstOrThrow()
        return row as ApiRootRecord
      })
    },

    async listCollections(apiRootPk) {
      const rows = await db
        .selectFrom('collections')
        .select(collectionColumns)
        .where('api_root_pk', '=', sql<string>`${apiRootPk}::bigint`)
        .orderBy('title')
        .orderBy('id')
        .execute()
      return rows as CollectionRecord[]
    },

    findCollection(apiRootPk, idOrAlias) {
      return collections.read(`${apiRootPk}/${idOrAlias}`, async () => {
        const row = (await db
          .selectFrom('collections')
          .select(collectionColumns)
          .where('api_root_pk', '=', sql<string>`${apiRootPk}::bigint`)
          .where((eb) => eb.or([eb('id', 'in', spellings(idOrAlias)), eb('alias', '=', idOrAlias)]))
          .executeTakeFirst()) as CollectionRecord | undefined
        if (row !== undefined) Object.freeze(row.media_types)
        return row === undefined ? undefined : Object.freeze(row)
      })
    },

    async createCollection(apiRootPk, c: NewCollection) {
      const row = await db
        .insertInto('collections')
        .values(collectionValues(apiRootPk, c))
        .returning(collectionColumns)
        .executeTakeFirstOrThrow()
      return row as CollectionRecord
    },

    async listObjects(q, after, limit) {
      return listRows<ObjectRow>(sql`${manifestProjection}, o.body`, q, after, limit)
    },

    // Only the texts go out, and they go out as the bytes COPY gives (textPagesOfCopy).
    listObjectTextRun,

    async listManifest(q, after, limit) {
      return listRows<ManifestRow>(manifestProjection, q, after, limit)
    },

    async objectExists(collectionPk, objectId) {
      const { rows } = await sql`select 1 from objects
        where ${inCollection('collection_pk', collectionPk)}
          and ${objectKey()} = ${keyOf(sql`${objectId}::text`, collectionPk)} and id = ${objectId}
        limit 1`.execute(db)
      return rows.length > 0
    },

    async removals(collectionPk) {
      const { rows } = await sql<{ rewrites: string }>`select rewrites::text as rewrites
        from collections where pk = ${collectionPk}::bigint`.execute(db)
      return rows[0]?.rewrites ?? 'gone'
    },

    async leaseReadAhead(collectionPk, ms) {
      await leaseReadAhead(db, collectionPk, holder, ms)
    },

    async deleteObjects(q, record) {
      return removeVersions(
        q.collection_pk,
        sql<StoredVersion>`
          delete from objects where (collection_pk, date_added, pk) in (
            select o.collection_pk, o.date_added, o.pk from objects o where ${objectConditions(q)})
          returning id, version`,
        record,
      )
    },

    async expireVersions(collectionPk, seconds, limit, record) {
      const removed = await removeVersions(
        collectionPk,
        sql<{ id: string }>`
          delete from objects where (collection_pk, date_added, pk) in (
            select collection_pk, date_added, pk from objects
            where ${inCollection('collection_pk', collectionPk)}
              and date_added < clock_timestamp() - ${seconds} * interval '1 second'
            order by date_added, pk
            limit ${limit})
          returning id`,
        (rows) => record(rows.length),
      )
      return removed.length
    },

    async addObjects(collectionPk, objects: NewObject[], check, record): Promise<AddObjectsResult> {
      // an id holding U+0000 is none stored (PostgreSQL text cannot hold it), and fails its check
      const ids = [...new Set(objects.map((o) => o.id))].filter(storable)
      // the post's move of the collection's newest stamp, once it has committed (RecentAdds)
      let move: { from: string | null; to: string; ids: string[] } | undefined
      const added = await db.transaction().execute(async (trx) => {
        // The stored versions are read and the envelope planned before the lock, which is then held
        // only to write: a read under it cost 5 of the 34 ms it was held per envelope of 1,000 with
        // two posters. Under the lock, the plan is made again only if these ids can have changed.
        const seen = await readStored(trx, collectionPk, ids)
        let plan = await planAdd(trx, collectionPk, objects, check, seen.versions)
        // The status of an envelope whose new versions all state their version names no date_added,
        // so it is written before the lock too (~100 kB of JSON per 1,000 objects), with its audit
        // event; and the lock then makes the collection's own writes. With two posters the lock was
        // held ~26 ms per envelope of 1,000, 1.7 of them for those writes' round trip.
        let early = plan.fresh.every((f) => f.object.version !== null)
          ? record?.(resultOf(plan, []))
          : undefined
        const earlyAudit = early === undefined ? undefined : await writeEarly(trx, early)
        // Such an envelope's rows are written before the lock too, but for their stamps (~1.3 ms of
        // the lock's time per 1,000), and the lock statement moves the collection (lockCollection).
        const advance =
          early !== undefined && plan.fresh.length > 0
            ? { count: plan.fresh.length, specs: specsOf(plan.fresh) }
            : undefined
        let ahead = advance && rowsAhead(collectionPk, plan.fresh, () => spareRows.pop())
        const lock = await lockCollection(trx, collectionPk, advance)
        if (await changedSince(trx, collectionPk, ids, seen.mark, lock, recentAdds)) {
          const known = new StoredVersions(await findVersions(trx, collectionPk, ids))
          plan = await planAdd(trx, collectionPk, objects, check, known)
          // written again below, over the ones written early
          early = undefined
          if (ahead !== undefined) keepRows(ahead)
          ahead = undefined
        }
        const { fresh } = plan
        const dates = fresh.length === 0 ? [] : consecutiveStamps(lock.base, fresh.length)
        const result = resultOf(plan, dates)
        const writes: RawBuilder<unknown>[] = []
        if (fresh.length > 0) {
          // Nothing conflicts here: every duplicate was found above, and checked under the lock.
          // COPY stores rows in batches and parses no literal: 13 against 19 ms of database time
          // per 1,000 rows for one INSERT … SELECT FROM unnest(arrays) (psql, 5,000 rows).
          const rows =
            ahead ??
            objectRows(
              collectionPk,
              fresh,
              fresh.map((f) => result.stored.get(f.index)!.version),
              fresh.map((f, i) => f.object.version_key ?? versionKeyOfTaxii(dates[i]!)),
              spareRows.pop(),
            )
          const data = rows.stamped(unixMicroseconds(lock.base))
          await trx.executeQuery(binaryCopyIn(OBJECT_COPY_TARGET, data))
          // read whole once the COPY is done; after a failure it may still be in a socket's queue
          keepRows(rows)
          move = {
            from: lock.last,
            to: dates[dates.length - 1]!,
            ids: fresh.map((f) => f.object.id),
          }
        }
        // unless the lock moved the collection for the plan that stands, it is moved here: from
        // where the lock found it, which a move for a plan since changed must not leave behind
        if (advance === undefined ? fresh.length > 0 : early === undefined) {
          writes.push(
            collectionWrite(collectionPk, move?.to ?? lock.last, lock.mediaTypes, specsOf(fresh)),
          )
        }
        // the status and the audit record commit with the objects, or not at all
        const records = early ?? record?.(result)
        if (early === undefined && records !== undefined) {
          writes.push(...statusWrites(records))
          if (records.audit !== undefined) writes.push(auditInsert(records.audit))
          if (earlyAudit !== undefined) {
            writes.push(sql`delete from audit_log where pk = ${earlyAudit}::bigint`)
          }
        }
        // one round trip while the lock is held, none for an envelope recorded early
        await writeTogether(trx, writes)
        for (const write of records?.also ?? []) await write.execute(trx)
        if (plan.relatedIds.length > 0) await refreshNewer(trx, collectionPk, plan.relatedIds)
        return result
      })
      if (move !== undefined) recentAdds.record(collectionPk, move.from, move.to, move.ids)
      keepStatistics(added.stored.size)
      if (added.stored.size > 0) collections.forget((c) => c.pk === collectionPk)
      return added
    },

    putStatus(s: StatusRecord, retentionSeconds) {
      return writeStatus(db, s, secondsFromNow(retentionSeconds))
    },

    async putPendingStatus(s, retentionSeconds, envelope, leaseSeconds) {
      await db.transaction().execute(async (trx) => {
        await writeStatus(trx, s, secondsFromNow(retentionSeconds))
        await writePendingEnvelope(trx, s, envelope, secondsFromNow(leaseSeconds))
      })
    },

    async releaseEnvelope(apiRootPk, statusId) {
      await envelopeRelease({ api_root_pk: apiRootPk, id: statusId }).execute(db)
    },

    async claimAbandonedEnvelope(leaseSeconds) {
      const { rows } = await sql<AbandonedEnvelope>`
        with claimed as (
          update pending_envelopes p
          set claimed_until = ${secondsFromNow(leaseSeconds)}
          where (p.api_root_pk, p.status_id) = (
            select api_root_pk, status_id from pending_envelopes
            where claimed_until < clock_timestamp()
            order by claimed_until
            limit 1
            for update skip locked)
          returning p.*)
        select r.name as api_root_name, c.id as collection_id, p.status_id,
          p.collection_pk::text as collection_pk, p.sub, p.identities, p.body,
          ${taxiiText(sql`s.request_timestamp`)} as request_timestamp
        from claimed p
        join statuses s on s.api_root_pk = p.api_root_pk and s.id = p.status_id
        join api_roots r on r.pk = p.api_root_pk
        join collections c on c.pk = p.collection_pk`.execute(db)
      return rows[0]
    },

    async getStatus(apiRootPk, id) {
      const { rows } = await sql<StatusRecord>`
        select id, api_root_pk::text as api_root_pk, owner_sub, status,
          ${taxiiText(sql`request_timestamp`)} as request_timestamp, total_count, success_count,
          failure_count, pending_count, successes, failures, pendings
        from statuses
        where api_root_pk = ${apiRootPk}::bigint and id = any(${spellings(id)}::text[])
          and expires_at > clock_timestamp()`.execute(db)
      return rows[0]
    },

    async purgeExpiredStatuses() {
      const result = await db
        .deleteFrom('statuses')
        .where('expires_at', '<=', sql<string>`clock_timestamp()`)
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    async audit(e: AuditEvent) {
      await auditInsert(e).execute(db)
    },

    async hubKey(name, create) {
      const existing = await db
        .selectFrom('hub_keys')
        .select(['name', 'secret', 'issuer'])
        .where('name', '=', name)
        .executeTakeFirst()
      if (existing !== undefined) return existing
      const key = create()
      await db
        .insertInto('hub_keys')
        .values({ name, secret: key.secret, issuer: key.issuer })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      return db
        .selectFrom('hub_keys')
        .select(['name', 'secret', 'issuer'])
        .where('name', '=', name)
        .executeTakeFirstOrThrow()
    },

    async now() {
      const { rows } = await sql<{
        now: string
      }>`select ${taxiiText(sql`clock_timestamp()`)} as now`.execute(db)
      return rows[0]!.now
    },

    async close() {
      await analyzing
      await db.destroy()
    },
  }
  return store
}
