import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  CompiledQuery,
  Kysely,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
} from 'kysely'
import type pg from 'pg'
import type { PGlite } from '@electric-sql/pglite'
import type { from as CopyFrom } from 'pg-copy-streams'
import type { DatabaseConfig } from '../config.js'
import { thrownMessage } from '../thrown.js'
import { wholeCopyData, type CopyData } from './binary-copy.js'
import { CopyBlocks } from './copy-blocks.js'
import { copyOut } from './copy-out.js'
import { pgStream } from './pg-socket.js'
import type { Database } from './database.js'
import { storable } from './store.js'

export interface OpenDatabase {
  db: Kysely<Database>
  dialect: 'postgres' | 'pglite'
  close: () => Promise<void>
}

/** More distinct SQL texts than the hub has run unnamed, so a surprise cannot grow memory. */
const MAX_PREPARED = 500

/**
 * Hands kysely connections on which every statement is a named prepared statement, so that
 * PostgreSQL parses and plans each of the hub's SQL texts once per connection instead of on
 * every request: that took the database's CPU per 100-object poll from 1.7 to 1.2 ms. Values are
 * always parameters, so the hub has a small, fixed set of texts. Unless `named` (sessions that
 * reach PostgreSQL directly, see connectingPool), statements go unnamed, as before.
 */
function preparingPool(pool: pg.Pool, named: boolean, copyFrom: typeof CopyFrom): PostgresPool {
  const names = new Map<string, string>()
  const nameOf = (text: string): string | undefined => {
    if (!named) return undefined
    let name = names.get(text)
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `hw_${names.size}`
      names.set(text, name)
    }
    return name
  }
  return {
    async connect() {
      const client = await pool.connect()
      const query = (text: string | PostgresCursor<unknown>, values?: readonly unknown[]) => {
        if (typeof text !== 'string') return client.query(text as never)
        const rows = copyInRows(text, values)
        if (rows !== undefined) return pgCopyIn(client, copyFrom(text), rows)
        const name = nameOf(text)
        return client.query({
          text,
          values: values as unknown[],
          ...(name !== undefined && { name }),
        })
      }
      const wrapped = { query, release: (destroy?: boolean) => client.release(destroy) }
      // one function serves both of the interface's query overloads
      return wrapped as unknown as PostgresPoolClient
    },
    end: () => pool.end(),
  }
}

const COPY_IN = /^copy [a-z_]+ \([a-z_, ]+\) from stdin \(format binary\)$/

/**
 * `COPY target FROM STDIN (FORMAT binary)` of `rows` (BinaryCopyWriter), executed like any query
 * on a database opened by openDatabase, or on one of its transactions: both drivers recognise
 * this text with a Buffer as its one parameter and send the Buffer as the COPY data, on the same
 * connection. `target` is a table and its column list.
 */
export const binaryCopyIn = (target: string, rows: Buffer): CompiledQuery =>
  CompiledQuery.raw(`copy ${target} from stdin (format binary)`, [rows])

function copyInRows(text: string, values: readonly unknown[] | undefined): Buffer | undefined {
  const rows = values?.length === 1 ? values[0] : undefined
  return Buffer.isBuffer(rows) && COPY_IN.test(text) ? rows : undefined
}

/** A COPY FROM STDIN through node-postgres, answered as kysely's driver expects a query to be. */
async function pgCopyIn(client: pg.PoolClient, copy: ReturnType<typeof CopyFrom>, rows: Buffer) {
  const stream = client.query(copy)
  await pipeline(Readable.from([rows]), stream)
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] }
}

/**
 * PGlite, as kysely's driver sees it, but running binaryCopyIn: its COPY reads from `/dev/blob`,
 * which a query is handed as an option.
 */
function copyingPglite(pglite: PGlite): PGlite {
  const query = (text: string, values?: unknown[], options?: object) => {
    const rows = copyInRows(text, values)
    if (rows === undefined) return pglite.query(text, values, options)
    return pglite.query(text.replace(/ from stdin /, " from '/dev/blob' "), [], {
      blob: new Blob([rows]),
    })
  }
  return new Proxy(pglite, {
    get(target, property) {
      if (property === 'query') return query
      const value: unknown = Reflect.get(target, property, target)
      // PGlite's methods use private fields, so they must run on PGlite itself
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
}

/**
 * Runs a query as `COPY (query) TO … (FORMAT binary)` and returns the whole output, where it
 * arrived (CopyFields reads it there).
 */
export type BinaryCopyOut = (query: CompiledQuery) => Promise<CopyData>

const copiers = new WeakMap<Kysely<Database>, BinaryCopyOut>()

/** COPY out of a database opened by openDatabase, whichever its dialect. */
export function binaryCopyOut(db: Kysely<Database>): BinaryCopyOut {
  const copier = copiers.get(db)
  if (copier === undefined) throw new TypeError('a database not opened by openDatabase')
  return copier
}

/**
 * The text of a query for COPY, which takes no parameters: each is written in as a literal,
 * strings quoted by node-postgres, a list of strings as an ARRAY of them.
 */
function withLiterals(query: CompiledQuery, quote: (s: string) => string): string {
  return query.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const value: unknown = query.parameters[Number(n) - 1]
    // a NUL would end the statement's text early (the server never sees what follows)
    if (typeof value === 'string' && storable(value)) return quote(value)
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' && storable(v))) {
      return `ARRAY[${value.map(quote).join(',')}]::text[]`
    }
    throw new TypeError(`no literal for parameter $${n} of a COPY: ${typeof value}`)
  })
}

/**
 * Blocks of COPY output: 16 MB wait for reuse, room for the pages of 16 clients syncing pages of
 * 1,000 and of the pages read ahead for them.
 */
const COPY_BLOCK_BYTES = 128 * 1024
const COPY_BLOCKS_FREE_BYTES = 16 * 1024 * 1024

/** COPY out through node-postgres (copy-out.ts), on a connection of its own. */
function pgCopyOut(pool: pg.Pool, driver: typeof pg): BinaryCopyOut {
  const blocks = new CopyBlocks(COPY_BLOCK_BYTES, COPY_BLOCKS_FREE_BYTES)
  return async (query) => {
    const text = `copy (${withLiterals(query, driver.escapeLiteral)}) to stdout (format binary)`
    const client = await pool.connect()
    try {
      const data = await copyOut(client, text, blocks)
      client.release()
      return data
    } catch (error) {
      client.release(error as Error)
      throw error
    }
  }
}

/**
 * COPY out of PGlite, into its `/dev/blob`. PGlite has one session, which kysely's driver hands to
 * one user at a time; the COPY runs while holding it, so that it never runs inside another
 * request's open transaction.
 */
function pgliteCopyOut(db: Kysely<Database>, pglite: PGlite): BinaryCopyOut {
  let quote: ((s: string) => string) | undefined
  return async (query) => {
    // node-postgres's quoting, loaded on the first page rather than by every CLI command
    quote ??= (await import('pg')).default.escapeLiteral
    const text = withLiterals(query, quote)
    const { blob } = await db
      .connection()
      .execute(() => pglite.query(`copy (${text}) to '/dev/blob' (format binary)`))
    if (blob === undefined) throw new Error('PGlite returned no COPY output')
    return wholeCopyData(Buffer.from(await blob.arrayBuffer()))
  }
}

/**
 * Listing pages are short index walks: a parallel plan (which the planner picks for large
 * collections) spent ~150 ms starting workers to save 10 ms of work, and JIT compiled every
 * 10,000-object page's plan anew (prepared or not) for 9-30 ms to run a 40 ms walk. Timestamps the
 * hub reads as text go through to_char at time zone 'UTC', so nothing depends on these settings
 * but speed. The last one only marks a session that got them.
 */
const SESSION_OPTIONS =
  '-c TimeZone=UTC -c DateStyle=ISO -c max_parallel_workers_per_gather=0 -c jit=off ' +
  '-c hydrawatch.direct=on'

/**
 * Sessions the pool keeps however long they sit idle; those beyond close after 10 s idle (pg's
 * default). Partners poll every few minutes, so with none kept nearly every poll opened a session
 * first: a page of 100 objects took 31-38 ms after 12 s idle with none kept, 10-13 ms with two,
 * 3-8 ms warm. Two cover a poll, and a sync with its page read ahead. TCP keepalives from a
 * minute on keep a load balancer or NAT on the way from dropping a kept session unnoticed.
 */
const KEPT_SESSIONS = { min: 2, keepAlive: true, keepAliveInitialDelayMillis: 60_000 }

/**
 * A pool of sessions with SESSION_OPTIONS, and whether they reach PostgreSQL directly. A pooler
 * such as PgBouncer refuses the `options` startup parameter, or is told to ignore it: then the
 * pool goes without, and `direct` is false. Its sessions may then hand each transaction to
 * another server connection (transaction pooling), where a statement prepared under a name on
 * one does not exist, or exists already, so the hub must not name statements.
 */
async function connectingPool(
  driver: typeof pg,
  url: string,
): Promise<{ pool: pg.Pool; direct: boolean }> {
  const settings = {
    connectionString: url,
    max: 10,
    ...KEPT_SESSIONS,
    stream: pgStream,
  }
  const pool = new driver.Pool({ ...settings, options: SESSION_OPTIONS })
  try {
    const { rows } = await pool.query<{ direct: string | null }>(
      "select current_setting('hydrawatch.direct', true) as direct",
    )
    return { pool, direct: rows[0]?.direct === 'on' }
  } catch (error) {
    await pool.end()
    if (!/unsupported startup parameter: options/.test(String(error))) throw error
    return { pool: new driver.Pool(settings), direct: false }
  }
}

/**
 * Opens kysely over the configured dialect. The drivers are imported lazily so commands that
 * never touch a database do not pay for loading them.
 */
export async function openDatabase(config: DatabaseConfig): Promise<OpenDatabase> {
  if (config.kind === 'postgres') {
    const [{ default: pg }, { PostgresDialect }, { from: copyFrom }] = await Promise.all([
      import('pg'),
      import('kysely'),
      import('pg-copy-streams'),
    ])
    const { pool, direct } = await connectingPool(pg, config.url)
    // An idle session the server ends (restart, failover, pg_terminate_backend, idle timeouts)
    // is an 'error' event of the pool, which crashes the process unless listened to; the pool
    // has dropped that session, and the next query opens another.
    pool.on('error', (err) => {
      process.stderr.write(`hydrawatch: PostgreSQL closed an idle connection: ${err.message}\n`)
    })
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: preparingPool(pool, direct, copyFrom) }),
    })
    copiers.set(db, pgCopyOut(pool, pg))
    return { db, dialect: 'postgres', close: () => db.destroy() }
  }
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('kysely-pglite-dialect'),
  ])
  let pglite
  if (config.dataDir === 'memory') {
    pglite = new PGlite(
      config.loadDataDir === undefined ? undefined : { loadDataDir: config.loadDataDir },
    )
  } else {
    mkdirSync(config.dataDir, { recursive: true })
    if (!existsSync(join(config.dataDir, 'PG_VERSION'))) await initdbApart(config.dataDir)
    pglite = new PGlite(config.dataDir)
  }
  await pglite.waitReady
  await pglite.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'")
  const db = new Kysely<Database>({ dialect: new PGliteDialect(copyingPglite(pglite)) })
  copiers.set(db, pgliteCopyOut(db, pglite))
  return { db, dialect: 'pglite', close: () => db.destroy() }
}

/**
 * The child that runs PGlite's initdb for a new data directory, always the built one (as for the
 * envelope check thread): from `src/storage` and `dist/storage` alike this is
 * `dist/storage/pglite-initdb.js`.
 */
const INITDB_FILE = new URL('../../dist/storage/pglite-initdb.js', import.meta.url)

/**
 * Runs PGlite's initdb for a new data directory in a process of its own. Run in the hub's, it
 * left an idle hub holding one object resident at ~840 MB, against ~350 MB for one that opened an
 * existing directory: PGlite keeps the memory initdb used until the process ends.
 */
async function initdbApart(dataDir: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [fileURLToPath(INITDB_FILE), dataDir])
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim()
    const why = stderr || thrownMessage(err)
    throw new Error(`creating the embedded database in ${dataDir} failed: ${why}`)
  }
}
