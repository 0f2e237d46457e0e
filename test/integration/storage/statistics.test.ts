import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { createKyselyStore } from '../../../src/storage/kysely-store.js'
import { migrateToLatest } from '../../../src/storage/migrate.js'
import { openDatabase } from '../../../src/storage/open-database.js'
import { createTestDatabase, DIALECTS, newIndicators, openTestStore } from '../../helpers/db.js'

const envelope = newIndicators

describe.each(DIALECTS)('table statistics (%s)', (dialect) => {
  // Without any, listing plans sort whole collections; PGlite has no autovacuum to make them.
  it('analyzes the objects table once a hub has added 10,000 rows', async () => {
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
    } finally {
      await close()
    }
  }, 120_000)

  // one store for both: each test database costs seconds of a CPU-bound suite
  it('keeps no statistics on bodies (never filtered or sorted on) and compresses status details with lz4 where the server has it', async () => {
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
    } finally {
      await close()
    }
  })

  it('analyzes the objects table right after an import', async () => {
    const database = await createTestDatabase(dialect)
    const { database: config } = loadConfig({ DATABASE_URL: database.url })
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
})
