import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import pg from 'pg'
import { inject } from 'vitest'
import { loadConfig, type DatabaseConfig } from '../../src/config.js'
import type { Database } from '../../src/storage/database.js'
import { createKyselyStore } from '../../src/storage/kysely-store.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { openDatabase } from '../../src/storage/open-database.js'
import type {
  AuditEvent,
  PageTexts,
  KeysetPosition,
  NewObject,
  ObjectQuery,
  StatusRecord,
  TaxiiStore,
  TextPage,
} from '../../src/storage/store.js'

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

/**
 * A new directory holding an embedded database as a first command leaves it (migrated, empty:
 * no API root, no keys), copied from the suite's template instead of made by PGlite's initdb.
 * With `path`, that directory is made; otherwise a temporary one.
 */
export function embeddedDataDir(path?: string): string {
  const dir = path ?? mkdtempSync(join(tmpdir(), 'hw-data-'))
  cpSync(inject('pgliteTemplate'), dir, { recursive: true })
  return dir
}

let dump: Blob | undefined

/**
 * `config` with an in-memory PGlite database starting as the suite's migrated, empty template
 * (global-setup) instead of running initdb and the migrations; anything else as it is.
 */
export function withTemplate<C extends { database: DatabaseConfig }>(config: C): C {
  const { database } = config
  if (database.kind !== 'pglite' || database.dataDir !== 'memory') return config
  dump ??= new Blob([readFileSync(inject('pgliteDump'))])
  return { ...config, database: { ...database, loadDataDir: dump } }
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

/** A store on a fresh, migrated database, below the HTTP layer, with one API root and collection. */
export interface TestStore {
  db: Kysely<Database>
  store: TaxiiStore
  collectionPk: string
  /** another store on the same database, as a second hub process has it; closed by close() */
  otherProcess: () => Promise<TaxiiStore>
  /** closes the store and the database connection, then drops the database */
  close: () => Promise<void>
}

export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  const database = await createTestDatabase(dialect)
  const { database: config } = withTemplate(loadConfig({ DATABASE_URL: database.url }))
  const { db } = await openDatabase(config)
  await migrateToLatest(db)
  const store = createKyselyStore(db)
  const root = await store.createApiRoot({ name: 'r', title: 'R', max_content_length: 1e7 })
  const collection = await store.createCollection(root.pk, {
    id: '11111111-1111-4111-8111-111111111111',
    title: 'C',
    can_read: true,
    can_write: true,
    media_types: [],
  })
  const others: { store: TaxiiStore; db: Kysely<Database> }[] = []
  return {
    db,
    store,
    collectionPk: collection.pk,
    otherProcess: async () => {
      const other = (await openDatabase(config)).db
      others.push({ store: createKyselyStore(other), db: other })
      return others.at(-1)!.store
    },
    close: async () => {
      for (const other of [...others, { store, db }]) {
        await other.store.close()
        await other.db.destroy().catch(() => undefined)
      }
      await database.drop()
    },
  }
}

/** The audit event the deletions tests make through the store record. */
export const deletionAudit = (): AuditEvent => ({ sub: 'acme', action: 'delete_object' })

/** Indicators `first` .. `first + count - 1` as the store takes them, one version each. */
export function newIndicators(first: number, count: number): NewObject[] {
  return Array.from({ length: count }, (_, k) => {
    const hex = (first + k).toString(16).padStart(12, '0')
    const id = `indicator--00000000-0000-4000-8000-${hex}`
    return {
      id,
      type: 'indicator',
      spec_version: '2.1',
      version: '2025-07-14T09:30:00.000Z',
      version_key: '2025-07-14T09:30:00.000000000Z',
      body: `{"type":"indicator","id":"${id}"}`,
    }
  })
}

/** One page of Get Objects' texts: the first of a run of one (TaxiiStore.listObjectTextRun). */
export async function textPage(
  store: TaxiiStore,
  query: ObjectQuery,
  after: KeysetPosition | undefined,
  limit: number,
): Promise<TextPage> {
  return (await store.listObjectTextRun(query, after, limit, 1))[0]!
}

/** The texts of one page of Get Objects (textPage) as one string, joined by commas. */
export async function pageTexts(
  store: TaxiiStore,
  query: ObjectQuery,
  after: KeysetPosition | undefined,
  limit: number,
): Promise<string> {
  return joinedString((await textPage(store, query, after, limit)).texts)
}

/** The texts of a page (TextPage.texts) joined by commas, as one string. */
export function joinedString(texts: PageTexts): string {
  return Array.from({ length: texts.count }, (_, i) => {
    const bytes = Buffer.alloc(texts.size(i))
    texts.copy(i, bytes, 0)
    return bytes.toString('utf8')
  }).join(',')
}

/** A complete status resource of nothing, owned by `acme`, for the store to write. */
export const emptyStatus = (id: string, apiRootPk: string): StatusRecord => ({
  id,
  api_root_pk: apiRootPk,
  owner_sub: 'acme',
  status: 'complete',
  request_timestamp: '2026-01-01T00:00:00.000000Z',
  total_count: 0,
  success_count: 0,
  failure_count: 0,
  pending_count: 0,
  successes: [],
  failures: [],
  pendings: [],
})
