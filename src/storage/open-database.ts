import { mkdirSync } from 'node:fs'
import { Kysely } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import type { Database } from './database.js'

export interface OpenDatabase {
  db: Kysely<Database>
  dialect: 'postgres' | 'pglite'
  close: () => Promise<void>
}

/**
 * Opens kysely over the configured dialect. The drivers are imported lazily so commands that
 * never touch a database do not pay for loading them. Sessions run in UTC so that timestamp text
 * and `to_char` output are the same whichever server settings are in force.
 */
export async function openDatabase(config: DatabaseConfig): Promise<OpenDatabase> {
  if (config.kind === 'postgres') {
    const [{ default: pg }, { PostgresDialect }] = await Promise.all([
      import('pg'),
      import('kysely'),
    ])
    const pool = new pg.Pool({
      connectionString: config.url,
      max: 10,
      options: '-c TimeZone=UTC',
    })
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return { db, dialect: 'postgres', close: () => db.destroy() }
  }
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('kysely-pglite-dialect'),
  ])
  let pglite
  if (config.dataDir === 'memory') {
    pglite = new PGlite()
  } else {
    mkdirSync(config.dataDir, { recursive: true })
    pglite = new PGlite(config.dataDir)
  }
  await pglite.waitReady
  await pglite.exec("SET TimeZone = 'UTC'")
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  return { db, dialect: 'pglite', close: () => db.destroy() }
}
