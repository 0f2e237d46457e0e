import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import {
  Migrator,
  sql,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely'
import type { Database } from './database.js'

/** migrations/ beside the package root, found the same way from src/ (tests) and dist/. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

const BREAKPOINT = /^--> statement-breakpoint$/m

/**
 * Reads numbered SQL files and runs them one statement at a time: PGlite's extended protocol
 * refuses several commands in one prepared statement.
 */
class SqlFileMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      const text = await readFile(new URL(file, `file://${MIGRATIONS_DIR}`), 'utf8')
      const statements = text
        .split(BREAKPOINT)
        .map((s) => s.trim())
        .filter((s) => s.replace(/^--.*$/gm, '').trim() !== '')
      migrations[file.replace(/\.sql$/, '')] = {
        async up(db) {
          for (const statement of statements) await sql.raw(statement).execute(db)
        },
      }
    }
    return migrations
  }
}

export interface MigrateResult {
  applied: string[]
}

export function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  return migrate(db, (m) => m.migrateToLatest())
}

/** Applies the migrations up to `name` only: a database as an older hub left it (tests). */
export function migrateTo(db: Kysely<Database>, name: string): Promise<MigrateResult> {
  return migrate(db, (m) => m.migrateTo(name))
}

async function migrate(
  db: Kysely<Database>,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider() })
  const { error, results } = await run(migrator)
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')
    throw new Error(
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    )
  }
  return { applied: (results ?? []).map((r) => r.migrationName) }
}
