/**
 * What the partner-feed tests share (feeds-hubs.test.ts, feeds-field.test.ts): a local hub driven
 * through the CLI, and partner content.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { runCli, serveCli, type CliResult, type ServingHub } from './cli.js'
import { createTestDatabase, type Dialect, embeddedDataDir } from './db.js'
import { indicator } from './hub.js'

/**
 * A local hydrawatch driven through the CLI, as an operator would, while `serve` runs on it: with
 * the embedded database the commands go through the running hub, with PostgreSQL to the database.
 */
export interface Local {
  flags: string[]
  hub: ServingHub
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>
  /** `id|version` of every version in `intel`, from `hydrawatch export` (duplicates kept) */
  versions(): Promise<string[]>
  /** SIGKILLs the hub (and so a pull running inside it) and starts it again */
  crash(): Promise<void>
  close(): Promise<void>
}

export async function createLocal(dialect: Dialect): Promise<Local> {
  const dir = await mkdtemp(join(tmpdir(), 'hw-feeds-'))
  const db = dialect === 'postgres' ? await createTestDatabase('postgres') : undefined
  if (db === undefined) embeddedDataDir(join(dir, 'data'))
  const flags = db === undefined ? ['--data-dir', join(dir, 'data')] : ['--database-url', db.url]
  const cli = (args: string[], env: Record<string, string> = {}) => runCli([...flags, ...args], env)
  let hub = await serveCli(flags)
  const created = await cli([
    'collections',
    'create',
    '--title',
    'Partner intel',
    '--alias',
    'intel',
  ])
  expect(created.code, created.stderr).toBe(0)
  const intel = created.stdout.trim()
  let exports = 0
  return {
    flags,
    get hub() {
      return hub
    },
    cli,
    async versions() {
      const file = join(dir, `export-${++exports}.jsonl`)
      const r = await cli(['export', file])
      expect(r.code, r.stderr).toBe(0)
      return (await readFile(file, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, string>)
        .filter((rec) => rec.record === 'object' && rec.collection === intel)
        .map((rec) => `${rec.id}|${rec.version}`)
    },
    async crash() {
      const gone = new Promise((resolve) => hub.child.once('close', resolve))
      hub.child.kill('SIGKILL')
      await gone
      hub = await serveCli(flags)
    },
    async close() {
      await hub.stop()
      await db?.drop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export const sorted = (xs: Iterable<string>) => [...xs].sort()

export function versionsOf(objects: Record<string, unknown>[]): string[] {
  return objects.map((o) => `${o.id as string}|${(o.modified ?? o.created) as string}`)
}

/** 3 versions of some objects, one of them revoked (T-210 keeps every version). */
export function partnerContent(n: number): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = []
  for (let i = 1; i <= n; i++) {
    objects.push(indicator(i))
    if (i % 10 === 0) {
      objects.push(indicator(i, { modified: '2025-08-01T00:00:00.000Z' }))
      objects.push(indicator(i, { modified: '2025-09-01T00:00:00.000Z', revoked: true }))
    }
  }
  return objects
}

export async function feedList(local: Local): Promise<Record<string, any>[]> {
  const r = await local.cli(['feeds', 'list', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Record<string, any>[]
}
