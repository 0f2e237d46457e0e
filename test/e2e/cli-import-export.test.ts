import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { createTestDatabase, DIALECTS, embeddedDataDir } from '../helpers/db.js'
import { TAXII } from '../helpers/hub.js'

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/transfer/${name}`, import.meta.url))
const MEDALLION = fixture('medallion-data-file.json')
const SHARED = '365fed99-08fa-fdcd-a1b3-fb247eb41d01'
/** A command opening a fresh embedded database initialises it: seconds, a minute when busy. */
const SLOW = 300_000

async function get(url: string, token: string) {
  const res = await fetch(url, { headers: { accept: TAXII, authorization: `Bearer ${token}` } })
  return { status: res.status, json: (await res.json()) as any }
}

const lastRecord = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)!)

describe('hydrawatch import and export', () => {
  let dir: string
  let hub: ServingHub | undefined
  const env = (name: string) => {
    const data = join(dir, name)
    if (!existsSync(data)) embeddedDataDir(data)
    return { HYDRAWATCH_DATA_DIR: data }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-cli-transfer-'))
  })
  afterEach(async () => {
    await hub?.stop()
    hub = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it(
    'migrates a medallion file, exports it and restores the export elsewhere',
    async () => {
      const imported = await runCli(['import', MEDALLION], env('a'))
      expect(imported.code).toBe(0)
      expect(JSON.parse(imported.stdout)).toEqual({
        format: 'medallion',
        api_roots: ['feeds', 'archive', 'partners'],
        default: 'partners',
        collections: 5,
        objects: 10,
        statuses: 2,
      })
      expect(imported.stderr).toContain('warning: API root "partners" status')
      expect(imported.stderr).toContain('total_objects read as total_count')

      // a relative path is the CLI's working directory's
      const file = join(dir, 'export.jsonl')
      const exported = await runCli(['export', relative(process.cwd(), file)], env('a'))
      expect(exported.code).toBe(0)
      expect(JSON.parse(exported.stdout)).toEqual({
        file,
        api_roots: 3,
        collections: 5,
        objects: 10,
        statuses: 2,
      })

      const restored = await runCli(['import', file], env('b'))
      expect(restored.code).toBe(0)
      expect(JSON.parse(restored.stdout)).toMatchObject({
        format: 'hydrawatch-export',
        objects: 10,
      })
      expect(restored.stderr).toBe('')

      // T-071: the restored database holds API roots, so serve adds no `hub`
      hub = await serveCli([], env('b'))
      const token = (
        await runCli(['token', 'issue', '--sub', 'lab', '--read', '*'], env('b'))
      ).stdout.trim()
      const discovery = await get(`${hub.url}/taxii2/`, token)
      expect(discovery.json.api_roots).toEqual(
        ['feeds', 'archive', 'partners'].map((r) => `${hub!.url}/${r}/`),
      )
      expect(discovery.json.default).toBe(`${hub.url}/partners/`)
    },
    SLOW,
  )

  it(
    'imports and exports through the hub serving the data directory',
    async () => {
      expect((await runCli(['import', MEDALLION], env('a'))).code).toBe(0)
      hub = await serveCli([], env('a'))
      const token = (
        await runCli(['token', 'issue', '--sub', 'lab', '--read', '*'], env('a'))
      ).stdout.trim()

      const added = await runCli(
        ['import', fixture('bundle.json'), '--api-root', 'partners', '--collection', SHARED],
        env('a'),
      )
      // the valid objects are stored; the refused one makes the command fail, as publish does
      expect(added.code).toBe(1)
      expect(JSON.parse(added.stdout)).toMatchObject({
        format: 'bundle',
        api_root: 'partners',
        collection: SHARED,
        total_count: 4,
        success_count: 3,
        failure_count: 1,
      })
      expect(added.stderr).toMatch(/^warning: not stored: indicator--not-a-uuid .*S-030/m)
      const objects = await get(`${hub.url}/partners/collections/${SHARED}/objects/`, token)
      expect(objects.json.objects.map((o: any) => o.name)).toContain('Scraper ASN')

      const misused = await runCli(['import', MEDALLION, '--collection', SHARED], env('a'))
      expect(misused.code).toBe(2)
      expect(misused.stderr).toContain(
        '--collection takes a STIX bundle, not a medallion data file',
      )

      const clash = await runCli(['import', MEDALLION], env('a'))
      expect(clash.code).toBe(1)
      expect(clash.stderr).toContain('an API root named "feeds" exists already')
      expect(clash.stdout).toBe('')

      const file = join(dir, 'served.jsonl')
      const exported = await runCli(['export', file], env('a'))
      expect(exported.code).toBe(0)
      expect(lastRecord(file)).toEqual({
        record: 'end',
        api_roots: 3,
        collections: 5,
        objects: 12,
        statuses: 3,
      })
    },
    SLOW,
  )

  it(
    'exits 2 on usage errors and 1 on files it cannot use',
    async () => {
      const usage = await runCli(['import', MEDALLION, '--api-root', 'hub'], env('a'))
      expect(usage.code).toBe(2)
      expect(usage.stderr).toContain("option '--api-root' goes with '--collection'")
      expect((await runCli(['export'], env('a'))).code).toBe(2)
      const bundle = join(dir, 'bundle.json')
      writeFileSync(
        bundle,
        JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [] }),
      )
      const noCollection = await runCli(['import', bundle], env('a'))
      expect(noCollection.code).toBe(2)
      expect(noCollection.stderr).toContain(
        'a STIX bundle goes into a collection: give --collection',
      )
      const notABundle = await runCli(['import', MEDALLION, '--collection', 'x'], env('a'))
      expect(notABundle.code).toBe(2)
      expect(notABundle.stderr).toContain(
        '--collection takes a STIX bundle, not a medallion data file',
      )
      const missing = await runCli(['import', join(dir, 'nothing.json')], env('a'))
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain('cannot read')
      expect(existsSync(join(dir, 'a', 'hydrawatch.lock'))).toBe(false)
    },
    SLOW,
  )
})

describe.each(DIALECTS.filter((d) => d === 'postgres'))(
  'hydrawatch import into DATABASE_URL (%s)',
  (dialect) => {
    it(
      'moves an embedded hub onto PostgreSQL',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'hw-cli-transfer-'))
        const db = await createTestDatabase(dialect)
        try {
          const embedded = { HYDRAWATCH_DATA_DIR: embeddedDataDir(join(dir, 'data')) }
          expect((await runCli(['import', MEDALLION], embedded)).code).toBe(0)
          const file = join(dir, 'export.jsonl')
          expect((await runCli(['export', file], embedded)).code).toBe(0)
          const moved = await runCli(['import', file], { DATABASE_URL: db.url })
          expect(moved.code).toBe(0)
          expect(JSON.parse(moved.stdout)).toMatchObject({ objects: 10, statuses: 2 })
          const again = join(dir, 'again.jsonl')
          expect((await runCli(['export', again], { DATABASE_URL: db.url })).code).toBe(0)
          const body = (f: string) => readFileSync(f, 'utf8').split('\n').slice(1)
          expect(body(again)).toEqual(body(file))
        } finally {
          await db.drop()
          rmSync(dir, { recursive: true, force: true })
        }
      },
      SLOW,
    )
  },
)
