import { sql, type RawBuilder } from 'kysely'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { addedSince, createKyselyStore, recordsOf } from '../../../src/storage/kysely-store.js'
import { migrateToLatest } from '../../../src/storage/migrate.js'
import { openDatabase } from '../../../src/storage/open-database.js'
import {
  createTestDatabase,
  DIALECTS,
  newIndicators,
  openTestStore,
  withTemplate,
} from '../../helpers/db.js'

const envelope = newIndicators

describe.each(DIALECTS)('table statistics (%s)', (dialect) => {
  // Without any, listing plans sort whole collections; PGlite has no autovacuum to make them.
  it('analyzes the objects table once a hub has added 10,000 rows, sampling fewer rows than a server would', async () => {
    const { db, store, collectionPk, close } = await openTestStore(dialect)
    try {
      const analyzed = async () => {
        const { rows } = await sql<{ n: number }>`
          select reltuples::float8 as n from pg_class where relname = 'objects'`.execute(db)
        return rows[0]!.n
      }
      for (let first = 0; first < 9000; first += 1000) {
        await store.addObjects(collectionPk, envelope(first, 1000), () => undefined)
      }
      expect(await analyzed()).toBeLessThanOrEqual(0)
      await store.addObjects(collectionPk, envelope(9000, 1000), () => undefined)
      await expect.poll(analyzed, { timeout: 20_000 }).toBe(10_000)
      // with its own, smaller target (OWN_ANALYZE_TARGET): a histogram of at most 31 bounds
      const { rows } = await sql<{ bounds: number }>`
        select array_length(histogram_bounds, 1) as bounds from pg_stats
        where tablename = 'objects' and attname = 'date_added'`.execute(db)
      expect(rows[0]!.bounds).toBeGreaterThan(10)
      expect(rows[0]!.bounds).toBeLessThanOrEqual(31)
    } finally {
      await close()
    }
  }, 120_000)

  // one store for both: each test database costs seconds of a CPU-bound suite
  it('keeps no statistics on bodies (never filtered or sorted on), compresses status details with lz4 where the server has it, and compares object ids bytewise', async () => {
    const { db, store, collectionPk, close } = await openTestStore(dialect)
    try {
      await store.addObjects(collectionPk, envelope(0, 200), () => undefined)
      await sql`analyze objects`.execute(db)
      const stats = await sql<{ attname: string }>`
        select attname from pg_stats where tablename = 'objects'`.execute(db)
      const analyzed = stats.rows.map((r) => r.attname)
      expect(analyzed).toContain('id')
      expect(analyzed).not.toContain('body')

      // PGlite has no lz4: there the migration keeps pglz
      const lz4 = await sql`set local default_toast_compression = lz4`.execute(db).then(
        () => true,
        () => false,
      )
      const compression = await sql<{ attcompression: string }>`
        select attcompression from pg_attribute
        where attrelid = 'statuses'::regclass and attname = 'successes'`.execute(db)
      expect(compression.rows[0]!.attcompression).toBe(lz4 ? 'l' : '')

      // ids and version keys compare byte by byte, not through strcoll (0010)
      const collations = await sql<{ attname: string; collname: string }>`
        select a.attname, c.collname from pg_attribute a join pg_collation c on c.oid = a.attcollation
        where a.attrelid = 'objects'::regclass and a.attname in ('id', 'version_key')
        order by a.attname`.execute(db)
      expect(collations.rows).toEqual([
        { attname: 'id', collname: 'C' },
        { attname: 'version_key', collname: 'C' },
      ])
    } finally {
      await close()
    }
  })

  it('analyzes the objects table right after an import', async () => {
    const database = await createTestDatabase(dialect)
    const { database: config } = withTemplate(loadConfig({ DATABASE_URL: database.url }))
    const { db } = await openDatabase(config)
    try {
      await migrateToLatest(db)
      const store = createKyselyStore(db)
      await store.importAll(async (w) => {
        const root = await w.createApiRoot({ name: 'r', title: 'R', max_content_length: 1e7 })
        const c = await w.createCollection(
          root!.pk,
          {
            id: '22222222-2222-4222-8222-222222222222',
            title: 'C',
            can_read: true,
            can_write: true,
            media_types: [],
          },
          '2025-07-14T09:31:00.000000Z',
        )
        await w.insertObjects(
          c.pk,
          envelope(0, 300).map((o) => ({
            ...o,
            version: o.version!,
            version_key: o.version_key!,
            date_added: '2025-07-14T09:31:00.000000Z',
            body: String(o.body),
          })),
        )
      })
      const { rows } = await sql<{ n: number }>`
        select reltuples::float8 as n from pg_class where relname = 'objects'`.execute(db)
      expect(rows[0]!.n).toBe(300)
      await store.close()
    } finally {
      await db.destroy().catch(() => undefined)
      await database.drop()
    }
  }, 120_000)

  // The hub analyzes by rows added to the table, so a collection can fill long before the
  // statistics hear of it; shown its pk, the planner then took it for one row and read all of it
  // for every id probed or every poll of what was added since (see inCollection).
  it('reads a collection filled since the last ANALYZE through the index that matches the query', async () => {
    const { db, store, collectionPk, close } = await openTestStore(dialect)
    try {
      const root = await store.getApiRoot('r')
      const other = await store.createCollection(root!.pk, {
        id: '22222222-2222-4222-8222-222222222222',
        title: 'D',
        can_read: true,
        can_write: true,
        media_types: [],
      })
      // rows straight into the table: the store's own adds would analyze it again
      const fill = (pk: string, from: number, count: number) =>
        sql`
        insert into objects (collection_pk, id, type, spec_version, version, version_key,
          date_added, body)
        select ${pk}::bigint, 'indicator--' || md5(g::text), 'indicator', '2.1', 'v', 'v',
          clock_timestamp(), repeat('x', 700)
        from generate_series(${from}::int, ${from + count - 1}::int) g`.execute(db)
      await fill(other.pk, 0, 2000)
      await sql`analyze objects`.execute(db)
      await fill(collectionPk, 100_000, 30_000)

      const indexOf = async (query: RawBuilder<unknown>) => {
        const { rows } = await sql<{
          'QUERY PLAN': unknown
        }>`explain (format json) ${query}`.execute(db)
        const plan = JSON.stringify(rows[0]!['QUERY PLAN'])
        expect(plan).not.toContain('"Seq Scan"')
        return [...plan.matchAll(/"Index Name":\s*"(objects_[a-z_]+)"/g)].map((m) => m[1])
      }
      // an envelope's ids probed for stored versions, as the store does
      const ids = Array.from({ length: 1000 }, (_, i) => `indicator--x${i}`)
      expect(await indexOf(recordsOf(collectionPk, ids, sql`o.id, o.version`))).toEqual([
        'objects_key_idx',
      ])
      // what was added since a stamp, as a poster checks under the lock
      const { rows } = await sql<{ last: string }>`
        select max(date_added)::text as last from objects`.execute(db)
      expect(await indexOf(addedSince(collectionPk, rows[0]!.last))).toEqual(['objects_pkey'])
    } finally {
      await close()
    }
  }, 120_000)

  // An object several partners share sits in each of their feeds' collections; its probes must
  // not read the copies held elsewhere (0012).
  it('probes the records of an object shared by 60 collections in the one collection asked about', async () => {
    const { db, store, collectionPk, close } = await openTestStore(dialect)
    try {
      const root = await store.getApiRoot('r')
      const shared = newIndicators(0x5e, 1)[0]!
      for (let i = 0; i < 60; i++) {
        const c = await store.createCollection(root!.pk, {
          id: `33333333-3333-4333-8333-${String(i).padStart(12, '0')}`,
          title: `feed ${i}`,
          can_read: true,
          can_write: true,
          media_types: [],
        })
        await store.addObjects(c.pk, [shared], () => undefined)
      }
      await store.addObjects(collectionPk, [shared], () => undefined)
      // enough other rows that no plan reads the table whole
      await sql`
        insert into objects (collection_pk, id, type, spec_version, version, version_key,
          date_added, body)
        select ${collectionPk}::bigint, 'indicator--' || md5(g::text), 'indicator', '2.1', 'v', 'v',
          clock_timestamp(), repeat('x', 700)
        from generate_series(1, 20000) g`.execute(db)
      await sql`analyze objects`.execute(db)
      const { rows } = await sql<{
        'QUERY PLAN': unknown
      }>`explain (analyze, format json) ${recordsOf(
        collectionPk,
        [shared.id],
        sql`o.id, o.version`,
      )}`.execute(db)
      // every index the plan reads, and the rows its scans read and threw away
      const indexes: string[] = []
      let removed = 0
      const walk = (node: Record<string, unknown>) => {
        if (typeof node['Index Name'] === 'string') indexes.push(node['Index Name'])
        for (const key of ['Rows Removed by Filter', 'Rows Removed by Index Recheck']) {
          removed += typeof node[key] === 'number' ? node[key] : 0
        }
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child)
      }
      walk((rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan)
      expect(indexes).toEqual(['objects_key_idx'])
      expect(removed).toBe(0)
    } finally {
      await close()
    }
  }, 120_000)
})
