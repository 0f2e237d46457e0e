import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { openDatabase } from '../../src/storage/open-database.js'

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | undefined
    /** an embedded database directory, migrated and empty, for tests to copy (cli.ts) */
    pgliteTemplate: string
    /** that database dumped to a file (PGlite's dumpDataDir), for in-memory ones to start from */
    pgliteDump: string
  }
}

/**
 * PGlite's initdb and the migrations cost a CLI subprocess ~5 s of CPU on a fresh data
 * directory; copying a directory made once takes a fraction of that.
 */
async function pgliteTemplate(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hw-pglite-template-'))
  const { db, close } = await openDatabase({ kind: 'pglite', dataDir: dir })
  try {
    await migrateToLatest(db)
  } finally {
    await close()
  }
  return dir
}

/**
 * The template dumped to a file beside it. An in-memory database made by initdb costs ~4.4 s of
 * CPU, one loaded from this dump ~1.4 s, and the suite's in-memory databases, one or more per test
 * file and often per test, were most of its CPU time.
 */
async function pgliteDump(template: string): Promise<string> {
  const pglite = new PGlite(template)
  try {
    const dump = await pglite.dumpDataDir('none')
    const file = `${template}.tar`
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()))
    return file
  } finally {
    await pglite.close()
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql'
  if (!existsSync(base)) return undefined
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a))
  return versions.map((v) => join(base, v, 'bin')).find((d) => existsSync(join(d, 'initdb')))
}

/** A throwaway cluster on a free port, when the PostgreSQL binaries are installed. */
function startThrowawayCluster(): { url: string; stop(): void } | undefined {
  const bin = postgresBinDir()
  if (bin === undefined) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'hw-pg-'))
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
  if (asPostgres.length > 0) spawnSync('chown', ['postgres', dir])
  const run = (cmd: string, args: string[]) => {
    const all = [...asPostgres, join(bin, cmd), ...args]
    return spawnSync(all[0]!, all.slice(1), { stdio: 'inherit' })
  }
  const port = String(55_000 + Math.floor(Math.random() * 5000))
  if (run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust']).status !== 0) {
    return undefined
  }
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  if (
    run('pg_ctl', ['-D', join(dir, 'data'), '-o', opts, '-w', 'start', '-l', join(dir, 'log')])
      .status !== 0
  ) {
    return undefined
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', 'stop'])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Finds the PostgreSQL server the suite runs against: TEST_DATABASE_URL, else 127.0.0.1:5432,
 * else a throwaway cluster. Without one the suite runs on PGlite alone and says so loudly;
 * under CI that is a failure.
 */
export default async function setup(project: TestProject) {
  let url: string | undefined =
    process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  let cluster: ReturnType<typeof startThrowawayCluster>
  if (!(await reachable(url))) {
    cluster = startThrowawayCluster()
    url = cluster !== undefined && (await reachable(cluster.url)) ? cluster.url : undefined
  }
  if (url === undefined) {
    const message = 'NO POSTGRESQL SERVER: the suite runs against embedded PGlite ONLY'
    if (process.env.CI === 'true') throw new Error(`${message}; CI requires both databases`)
    console.warn(`\n${'!'.repeat(78)}\n${message}\n${'!'.repeat(78)}\n`)
  }
  project.provide('pgUrl', url)
  const template = await pgliteTemplate()
  project.provide('pgliteTemplate', template)
  const dump = await pgliteDump(template)
  project.provide('pgliteDump', dump)
  return () => {
    cluster?.stop()
    rmSync(template, { recursive: true, force: true })
    rmSync(dump, { force: true })
  }
}
