import { randomBytes } from 'node:crypto'
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
      admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  }
}
