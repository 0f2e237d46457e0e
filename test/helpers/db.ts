import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { inject } from 'vitest'

export type Dialect = 'pglite' | 'postgres'

/** Both databases whenever PostgreSQL is there (global-setup decides, and fails CI without it). */
export const DIALECTS: Dialect[] =
  inject('pgUrl') === undefined ? ['pglite'] : ['pglite', 'postgres']

export interface TestDatabase {
  /** DATABASE_URL for the hub ('memory:' for in-memory PGlite) */
  url: string
  drop(): Promise<void>
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgUrl') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh, empty database of the given dialect, dropped by drop(). */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'pglite') return { url: 'memory:', drop: async () => undefined }
  const name = `hw_test_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`create database ${name}`))
  const url = new URL(inject('pgUrl')!)
  url.pathname = `/${name}`
  return {
    url: url.href,
    drop: () =>
      admin(async (c) => {
        // pg-pool's end() resolves before its sockets close: forcing the drop while the hub's
        // sessions are still saying goodbye terminates them, and their FATAL 57P01 reaches the
        // closed pool's clients as an unhandled error. Let them go first (bounded).
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query<{ n: number }>(
            'select count(*)::int as n from pg_stat_activity where datname = $1',
            [name],
          )
          if (rows[0]?.n === 0) break
          await sleep(20)
        }
        await c.query(`drop database if exists ${name} with (force)`)
      }),
  }
}
