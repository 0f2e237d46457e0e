// Migrations applied to a database that an older hub filled, on both databases.
import { readdirSync } from 'node:fs'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { MIGRATIONS_DIR, migrateTo, migrateToLatest } from '../../../src/storage/migrate.js'
import { openDatabase } from '../../../src/storage/open-database.js'
import { createTestDatabase, DIALECTS, withTemplate, type TestDatabase } from '../../helpers/db.js'

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(async () => {
    await database?.drop()
    database = undefined
  })

  it('0014 keys objects by (collection_pk, date_added, pk) and keeps the push failures it holds', async () => {
    database = await createTestDatabase(dialect)
    const { db } = await openDatabase(loadConfig({ DATABASE_URL: database.url }).database)
    try {
      await migrateTo(db, '0013_read_ahead_leases')
      await sql`insert into api_roots (pk, name, title, max_content_length)
        values (7, 'hub', 'Hub', 1000000)`.execute(db)
      await sql`insert into collections (pk, api_root_pk, id, title, can_read, can_write, media_types)
        values (8, 7, 'intel', 'Intel', true, true, '[]')`.execute(db)
      await sql`insert into objects
          (pk, collection_pk, id, type, spec_version, version, version_key, date_added, body)
        values
          (41, 8, 'indicator--1', 'indicator', '2.1', 'v', 'k', '2026-01-01T00:00:00.123456Z', '{}'),
          (42, 8, 'indicator--2', 'indicator', '2.1', 'v', 'k', '2026-01-01T00:00:01.654321Z', '{}'),
          (43, 8, 'indicator--3', 'indicator', '2.1', 'v', 'k', '2026-01-01T00:00:02.000001Z', '{}')`.execute(
        db,
      )
      await sql`insert into feeds (pk, name, api_root_url, collection_id, local_collection_pk, credentials)
        values (5, 'lab-b', 'https://lab-b.example/api/', 'c', 8, '{}')`.execute(db)
      await sql`insert into push_failures (feed_pk, object_pk, reason)
        values (5, 42, 'refused'), (5, 43, 'too large')`.execute(db)

      expect((await migrateToLatest(db)).applied).toContain('0014_objects_keyed_by_page')

      const { rows: failures } = await sql<Record<string, string>>`
        select object_pk::text, collection_pk::text, date_added::text, reason
        from push_failures order by object_pk`.execute(db)
      expect(failures).toEqual([
        {
          object_pk: '42',
          collection_pk: '8',
          date_added: '2026-01-01 00:00:01.654321+00',
          reason: 'refused',
        },
        {
          object_pk: '43',
          collection_pk: '8',
          date_added: '2026-01-01 00:00:02.000001+00',
          reason: 'too large',
        },
      ])
      const { rows: key } = await sql<{ key: string }>`
        select pg_get_constraintdef(oid) as key from pg_constraint
        where conrelid = 'objects'::regclass and contype = 'p'`.execute(db)
      expect(key).toEqual([{ key: 'PRIMARY KEY (collection_pk, date_added, pk)' }])

      // a removed record takes its failures with it, as before
      await sql`delete from objects where pk = 42`.execute(db)
      const { rows: left } = await sql<{ object_pk: string }>`
        select object_pk::text from push_failures`.execute(db)
      expect(left).toEqual([{ object_pk: '43' }])
      // and a failure names a record that exists
      await expect(
        sql`insert into push_failures (feed_pk, collection_pk, date_added, object_pk, reason)
          values (5, 8, '2026-01-01T00:00:00.123457Z', 41, 'x')`.execute(db),
      ).rejects.toThrow(/foreign key/)
    } finally {
      await db.destroy()
    }
  })
})

it('an in-memory database given a dumped data directory starts as it, migrated (loadDataDir)', async () => {
  const config = withTemplate(loadConfig({ DATABASE_URL: 'memory:' }))
  const { db } = await openDatabase(config.database)
  try {
    const { rows } = await sql<{ name: string }>`
      select name from kysely_migration order by name desc limit 1`.execute(db)
    const latest = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .at(-1)!
    expect(rows).toEqual([{ name: latest.replace(/\.sql$/, '') }])
    expect((await migrateToLatest(db)).applied).toEqual([])
  } finally {
    await db.destroy()
  }
})
