import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { openDatabase, type OpenDatabase } from '../../../src/storage/open-database.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../helpers/db.js'

/**
 * The hub's PostgreSQL pool keeps two sessions however long they sit idle, and closes those beyond
 * after 10 s idle: a partner polling every few minutes must not wait for a session to open.
 */
describe.runIf(DIALECTS.includes('postgres'))('sessions kept idle (postgres)', () => {
  let database: TestDatabase
  let open: OpenDatabase
  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    open = await openDatabase(loadConfig({ DATABASE_URL: database.url }).database)
  })
  afterAll(async () => {
    await open?.close()
    await database?.drop()
  })

  async function sessions(): Promise<number> {
    const client = new pg.Client(database.url)
    await client.connect()
    try {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()`,
      )
      return rows[0]!.n
    } finally {
      await client.end()
    }
  }

  it('two of a burst of sessions stay open after 10 s idle, the rest close', async () => {
    await Promise.all(Array.from({ length: 5 }, () => sql`select pg_sleep(0.2)`.execute(open.db)))
    expect(await sessions()).toBe(5)
    await sleep(11_000)
    expect(await sessions()).toBe(2)
    // and they still serve
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(open.db)
    expect(rows).toEqual([{ one: 1 }])
  }, 30_000)
})
