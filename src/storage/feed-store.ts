import { sql, type Kysely, type RawBuilder } from 'kysely'
import { taxiiText } from './columns.js'
import type { Database } from './database.js'
import type { KeysetPosition, StoredVersion } from './store.js'

/**
 * Where a feed's secrets are found at run time: names of environment variables or file paths,
 * never the secrets themselves.
 */
export interface CredentialRefs {
  kind: 'none' | 'bearer' | 'basic'
  token_env?: string
  token_file?: string
  username?: string
  username_env?: string
  password_env?: string
  password_file?: string
  /** PEM files of the client certificate presented to the partner, and of its key (T-005) */
  client_cert_file?: string
  client_key_file?: string
}

export interface NewFeed {
  name: string
  api_root_url: string
  collection_id: string
  local_collection_pk: string
  credentials: CredentialRefs
  match_type: string[] | null
}

export interface FeedRecord {
  pk: string
  name: string
  api_root_url: string
  collection_id: string
  local_collection_pk: string
  local_api_root: string
  local_collection_id: string
  local_collection_alias: string | null
  credentials: CredentialRefs
  match_type: string[] | null
  pull_cursor: string | null
  partner_newest: string | null
  push_date_added: string | null
  push_pk: string | null
  pulled_versions: number
  present_versions: number
  rejected_versions: number
  pushed_versions: number
  last_success_at: string | null
  last_error_at: string | null
  last_error: string | null
  created_at: string
}

export type RunDirection = 'pull' | 'push'
export type RunOutcome = 'running' | 'success' | 'partial' | 'failed'

export interface FeedRun {
  direction: RunDirection
  started_at: string
  ended_at: string | null
  pages: number
  new_versions: number
  present_versions: number
  rejected_versions: number
  outcome: RunOutcome
  error: string | null
}

export interface Rejection {
  id: string
  version: string
  reason: string
}

export interface PulledPage {
  feedPk: string
  runPk: string
  /** versions now stored locally, new or already there: provenance is recorded once per feed */
  delivered: StoredVersion[]
  newVersions: number
  presentVersions: number
  rejected: Rejection[]
  /** the partner's X-TAXII-Date-Added-Last of this page, when it sent one */
  cursor?: string
  partnerNewest?: string
}

/** A local record the partner refused: its pk and date_added (its key, 0014), and why. */
export interface PushFailure {
  object_pk: string
  date_added: string
  reason: string
}

export interface PushedEnvelope {
  feedPk: string
  runPk: string
  /** advance the push position to here (absent when retrying earlier failures) */
  position?: KeysetPosition
  /** local object pks the partner now holds */
  accepted: string[]
  failed: PushFailure[]
  newVersions: number
  presentVersions: number
}

export interface Delivery {
  feed: string
  version: string
  delivered_at: string
}

export interface PushCandidate {
  pk: string
  id: string
  version: string
  date_added: string
  body: string
}

export interface FeedStore {
  createFeed(feed: NewFeed): Promise<FeedRecord>
  getFeed(name: string): Promise<FeedRecord | undefined>
  listFeeds(): Promise<FeedRecord[]>
  removeFeed(name: string): Promise<boolean>
  startRun(feedPk: string, direction: RunDirection): Promise<string>
  /** Records what a committed page brought and moves the cursor, in one transaction. */
  commitPulledPage(page: PulledPage): Promise<void>
  notePartnerNewest(feedPk: string, dateAdded: string): Promise<void>
  finishRun(feedPk: string, runPk: string, outcome: RunOutcome, error?: string): Promise<void>
  listRuns(feedPk: string, limit: number): Promise<FeedRun[]>
  /** each feed's latest run, by feed pk */
  lastRuns(): Promise<Map<string, FeedRun>>
  listRejections(feedPk: string, limit: number): Promise<Rejection[]>
  /** which feeds delivered versions of this object, and when */
  provenance(objectId: string): Promise<Delivery[]>
  /** keys `id\u0000version` of the given versions that this feed delivered (not to echo them) */
  deliveredBy(feedPk: string, versions: StoredVersion[]): Promise<Set<string>>
  /** versions the partner refused earlier, to send again */
  pushFailures(feedPk: string): Promise<(PushCandidate & { reason: string })[]>
  commitPushedEnvelope(envelope: PushedEnvelope): Promise<void>
}

const ts = (column: string) => taxiiText(sql.ref(column))

export const deliveryKey = (v: StoredVersion): string => `${v.id}\u0000${v.version}`

/** Adds one page's counts to its run. */
const pageCount = (
  runPk: string,
  fresh: number,
  present: number,
  rejected: number,
): RawBuilder<unknown> => sql`
  update feed_runs set pages = pages + 1, new_versions = new_versions + ${fresh},
    present_versions = present_versions + ${present},
    rejected_versions = rejected_versions + ${rejected}
  where pk = ${runPk}`

/**
 * What a pulled page writes besides its objects: provenance, rejections, the run's and the feed's
 * counts, and the cursor. A pull writes them in the transaction that stores the page's objects
 * (TaxiiStore.addObjects' `also`), so a stop between the two cannot count a page twice.
 */
export function pulledPageWrites(p: PulledPage): RawBuilder<unknown>[] {
  const writes: RawBuilder<unknown>[] = []
  if (p.delivered.length > 0) {
    writes.push(sql`
      insert into feed_deliveries (feed_pk, object_id, version, run_pk)
      select ${p.feedPk}, d.id, d.version, ${p.runPk}
      from unnest(${p.delivered.map((d) => d.id)}::text[],
                  ${p.delivered.map((d) => d.version)}::text[]) as d(id, version)
      on conflict do nothing`)
  }
  if (p.rejected.length > 0) {
    writes.push(sql`
      insert into feed_rejections (feed_pk, object_id, version, run_pk, reason)
      select ${p.feedPk}, r.id, r.version, ${p.runPk}, r.reason
      from unnest(${p.rejected.map((r) => r.id)}::text[],
                  ${p.rejected.map((r) => r.version)}::text[],
                  ${p.rejected.map((r) => r.reason)}::text[]) as r(id, version, reason)
      on conflict (feed_pk, object_id, version) do update
        set run_pk = excluded.run_pk, reason = excluded.reason, at = excluded.at`)
  }
  writes.push(pageCount(p.runPk, p.newVersions, p.presentVersions, p.rejected.length))
  writes.push(sql`
    update feeds set
      pulled_versions = pulled_versions + ${p.newVersions},
      present_versions = present_versions + ${p.presentVersions},
      rejected_versions = rejected_versions + ${p.rejected.length},
      pull_cursor = coalesce(${p.cursor ?? null}::text, pull_cursor),
      partner_newest = coalesce(${p.partnerNewest ?? null}::text, partner_newest)
    where pk = ${p.feedPk}`)
  return writes
}

export function createFeedStore(db: Kysely<Database>): FeedStore {
  const feedQuery = () =>
    db
      .selectFrom('feeds as f')
      .innerJoin('collections as c', 'c.pk', 'f.local_collection_pk')
      .innerJoin('api_roots as r', 'r.pk', 'c.api_root_pk')
      .select([
        // bigint comes back as a number from PGlite and as text from pg: text from both
        sql<string>`f.pk::text`.as('pk'),
        'f.name',
        'f.api_root_url',
        'f.collection_id',
        'f.local_collection_pk',
        'r.name as local_api_root',
        'c.id as local_collection_id',
        'c.alias as local_collection_alias',
        'f.credentials',
        'f.match_type',
        'f.pull_cursor',
        'f.partner_newest',
        ts('f.push_date_added').as('push_date_added'),
        'f.push_pk',
        sql<number>`f.pulled_versions::float8`.as('pulled_versions'),
        sql<number>`f.present_versions::float8`.as('present_versions'),
        sql<number>`f.rejected_versions::float8`.as('rejected_versions'),
        sql<number>`f.pushed_versions::float8`.as('pushed_versions'),
        ts('f.last_success_at').as('last_success_at'),
        ts('f.last_error_at').as('last_error_at'),
        'f.last_error',
        ts('f.created_at').as('created_at'),
      ])

  const runQuery = () =>
    db
      .selectFrom('feed_runs')
      .select([
        'direction',
        ts('started_at').as('started_at'),
        ts('ended_at').as('ended_at'),
        'pages',
        'new_versions',
        'present_versions',
        'rejected_versions',
        'outcome',
        'error',
      ])

  return {
    async createFeed(feed) {
      await db
        .insertInto('feeds')
        .values({
          name: feed.name,
          api_root_url: feed.api_root_url,
          collection_id: feed.collection_id,
          local_collection_pk: feed.local_collection_pk,
          credentials: JSON.stringify(feed.credentials),
          match_type: feed.match_type === null ? null : JSON.stringify(feed.match_type),
        })
        .execute()
      return (await this.getFeed(feed.name))!
    },

    async getFeed(name) {
      const row = await feedQuery().where('f.name', '=', name).executeTakeFirst()
      return row as unknown as FeedRecord | undefined
    },

    async listFeeds() {
      return (await feedQuery().orderBy('f.name').execute()) as unknown as FeedRecord[]
    },

    async removeFeed(name) {
      const result = await db.deleteFrom('feeds').where('name', '=', name).executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    async startRun(feedPk, direction) {
      const row = await db
        .insertInto('feed_runs')
        .values({ feed_pk: feedPk, direction })
        .returning('pk')
        .executeTakeFirstOrThrow()
      return row.pk
    },

    async commitPulledPage(p) {
      await db.transaction().execute(async (tx) => {
        for (const write of pulledPageWrites(p)) await write.execute(tx)
      })
    },

    async notePartnerNewest(feedPk, dateAdded) {
      await db
        .updateTable('feeds')
        .set({ partner_newest: dateAdded })
        .where('pk', '=', feedPk)
        .execute()
    },

    async finishRun(feedPk, runPk, outcome, error) {
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('feed_runs')
          .set({ outcome, error: error ?? null, ended_at: sql<string>`clock_timestamp()` })
          .where('pk', '=', runPk)
          .execute()
        if (outcome === 'failed') {
          await tx
            .updateTable('feeds')
            .set({ last_error: error ?? 'failed', last_error_at: sql<string>`clock_timestamp()` })
            .where('pk', '=', feedPk)
            .execute()
        } else {
          await tx
            .updateTable('feeds')
            .set({
              last_success_at: sql<string>`clock_timestamp()`,
              ...(error !== undefined && {
                last_error: error,
                last_error_at: sql<string>`clock_timestamp()`,
              }),
            })
            .where('pk', '=', feedPk)
            .execute()
        }
      })
    },

    async listRuns(feedPk, limit) {
      const rows = await runQuery()
        .where('feed_pk', '=', feedPk)
        .orderBy('pk', 'desc')
        .limit(limit)
        .execute()
      return rows as FeedRun[]
    },

    async lastRuns() {
      const rows = await runQuery()
        .select(sql<string>`feed_pk::text`.as('feed'))
        .distinctOn('feed_pk')
        .orderBy('feed_pk')
        .orderBy('pk', 'desc')
        .execute()
      return new Map(rows.map(({ feed, ...run }) => [feed, run as FeedRun]))
    },

    async listRejections(feedPk, limit) {
      return db
        .selectFrom('feed_rejections')
        .select(['object_id as id', 'version', 'reason'])
        .where('feed_pk', '=', feedPk)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute()
    },

    async provenance(objectId) {
      return db
        .selectFrom('feed_deliveries as d')
        .innerJoin('feeds as f', 'f.pk', 'd.feed_pk')
        .select(['f.name as feed', 'd.version', ts('d.delivered_at').as('delivered_at')])
        .where('d.object_id', '=', objectId)
        .orderBy('d.delivered_at')
        .orderBy('f.name')
        .execute()
    },

    async deliveredBy(feedPk, versions) {
      if (versions.length === 0) return new Set()
      const { rows } = await sql<StoredVersion>`
        select d.object_id as id, d.version
        from feed_deliveries d
        join unnest(${versions.map((v) => v.id)}::text[],
                    ${versions.map((v) => v.version)}::text[]) as v(id, version)
          on d.object_id = v.id and d.version = v.version
        where d.feed_pk = ${feedPk}`.execute(db)
      return new Set(rows.map(deliveryKey))
    },

    async pushFailures(feedPk) {
      const rows = await db
        .selectFrom('push_failures as p')
        .innerJoin('objects as o', (j) =>
          j
            .onRef('o.collection_pk', '=', 'p.collection_pk')
            .onRef('o.date_added', '=', 'p.date_added')
            .onRef('o.pk', '=', 'p.object_pk'),
        )
        .select([
          'o.pk',
          'o.id',
          'o.version',
          ts('o.date_added').as('date_added'),
          'o.body',
          'p.reason',
        ])
        .where('p.feed_pk', '=', feedPk)
        .orderBy('o.date_added')
        .orderBy('o.pk')
        .execute()
      return rows as unknown as (PushCandidate & { reason: string })[]
    },

    async commitPushedEnvelope(e) {
      await db.transaction().execute(async (tx) => {
        if (e.accepted.length > 0) {
          await tx
            .deleteFrom('push_failures')
            .where('feed_pk', '=', e.feedPk)
            .where('object_pk', 'in', e.accepted)
            .execute()
        }
        if (e.failed.length > 0) {
          await sql`
            insert into push_failures (feed_pk, collection_pk, date_added, object_pk, reason)
            select ${e.feedPk}, feeds.local_collection_pk, f.date_added, f.pk, f.reason
            from unnest(${e.failed.map((f) => f.object_pk)}::bigint[],
                        ${e.failed.map((f) => f.date_added)}::timestamptz[],
                        ${e.failed.map((f) => f.reason)}::text[]) as f(pk, date_added, reason)
              join feeds on feeds.pk = ${e.feedPk}
            on conflict (feed_pk, object_pk) do update
              set reason = excluded.reason,
                  attempts = push_failures.attempts + 1,
                  last_attempt_at = clock_timestamp()`.execute(tx)
        }
        await pageCount(e.runPk, e.newVersions, e.presentVersions, e.failed.length).execute(tx)
        await sql`
          update feeds set
            pushed_versions = pushed_versions + ${e.newVersions + e.presentVersions},
            push_date_added = coalesce(${e.position?.date_added ?? null}::timestamptz, push_date_added),
            push_pk = coalesce(${e.position?.pk ?? null}::bigint, push_pk)
          where pk = ${e.feedPk}`.execute(tx)
      })
    },
  }
}
