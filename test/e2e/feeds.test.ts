import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLI, runCli, serveCli, type CliResult, type ServingHub } from '../helpers/cli.js'
import { createTestDatabase, DIALECTS, type Dialect } from '../helpers/db.js'
import { indicator, startTestHub, type TestHub } from '../helpers/hub.js'
import { startQuirkyTaxiiServer, type QuirkyTaxiiServer } from '../helpers/quirky-taxii-server.js'

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 })

/**
 * A local hydrawatch driven through the CLI, as an operator would, while `serve` runs on it: with
 * the embedded database the commands go through the running hub, with PostgreSQL to the database.
 */
interface Local {
  flags: string[]
  hub: ServingHub
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>
  /** `id|version` of every version in `intel`, from `hydrawatch export` (duplicates kept) */
  versions(): Promise<string[]>
  /** SIGKILLs the hub (and so a pull running inside it) and starts it again */
  crash(): Promise<void>
  close(): Promise<void>
}

async function createLocal(dialect: Dialect): Promise<Local> {
  const dir = await mkdtemp(join(tmpdir(), 'hw-feeds-'))
  const db = dialect === 'postgres' ? await createTestDatabase('postgres') : undefined
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

const sorted = (xs: Iterable<string>) => [...xs].sort()

function versionsOf(objects: Record<string, unknown>[]): string[] {
  return objects.map((o) => `${o.id as string}|${(o.modified ?? o.created) as string}`)
}

/** 3 versions of some objects, one of them revoked (T-210 keeps every version). */
function partnerContent(n: number): Record<string, unknown>[] {
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

async function feedList(local: Local): Promise<Record<string, any>[]> {
  const r = await local.cli(['feeds', 'list', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Record<string, any>[]
}

describe.each(DIALECTS)('partner feeds on %s', (dialect) => {
  describe('two hydrawatch hubs syncing both ways', () => {
    let partner: TestHub
    let local: Local
    let token: string
    const content = partnerContent(120)

    beforeAll(async () => {
      partner = await startTestHub(dialect)
      local = await createLocal(dialect)
      token = await partner.token({ read: ['*'], write: ['*'] })
      const posted = await partner.request('/hub/collections/distillation-indicators/objects/', {
        token,
        body: { objects: content },
      })
      expect(posted.json.success_count).toBe(content.length)
    })
    afterAll(async () => {
      await partner?.close()
      await local?.close()
    })

    it('T-208 T-210 pulls every version, revoked ones included, and a second pull adds nothing', async () => {
      const add = await local.cli([
        'feeds',
        'add',
        'lab-b',
        '--url',
        `${partner.url}/hub`,
        '--collection',
        partner.collection.id,
        '--into',
        'intel',
        '--token-env',
        'LAB_B_TOKEN',
      ])
      expect(add.code, add.stderr).toBe(0)

      const first = await local.cli(['pull'], { LAB_B_TOKEN: token })
      expect(first.code, first.stderr).toBe(0)
      expect(first.stderr).toContain(`${content.length} new, 0 already present, 0 rejected`)
      expect(sorted(await local.versions())).toEqual(sorted(versionsOf(content)))

      const second = await local.cli(['pull', 'lab-b'], { LAB_B_TOKEN: token })
      expect(second.code, second.stderr).toBe(0)
      expect(second.stderr).toMatch(/lab-b: success, pulled \d+ pages: 0 new/)
      expect((await local.versions()).length).toBe(content.length)

      const [feed] = await feedList(local)
      expect(feed).toMatchObject({
        name: 'lab-b',
        into: 'hub/intel',
        credentials: 'token from $LAB_B_TOKEN',
        pulled_versions: content.length,
        rejected_versions: 0,
        lag_seconds: 0,
        last_error: null,
        last_run: { direction: 'pull', outcome: 'success', new_versions: 0 },
      })
      expect(feed!.last_success_at).toMatch(/^\d{4}-/)
      // the secret itself is never stored or shown
      expect(JSON.stringify(await feedList(local))).not.toContain(token)

      const provenance = await local.cli(['feeds', 'provenance', indicator(10).id, '--json'])
      expect(provenance.code, provenance.stderr).toBe(0)
      const deliveries = JSON.parse(provenance.stdout) as { version: string }[]
      deliveries.sort((a, b) => a.version.localeCompare(b.version))
      expect(deliveries).toEqual(
        ['2025-07-14T09:30:00.000Z', '2025-08-01T00:00:00.000Z', '2025-09-01T00:00:00.000Z'].map(
          (version) => ({ feed: 'lab-b', version, delivered_at: expect.stringMatching(/^\d{4}-/) }),
        ),
      )
    })

    it('pushes local versions to the partner, never echoes what the feed delivered, and pushes nothing twice', async () => {
      const mine = [indicator(9001), indicator(9002), indicator(9003)]
      const bundle = join(tmpdir(), `hw-feeds-bundle-${process.pid}-${dialect}.json`)
      await writeFile(
        bundle,
        JSON.stringify({
          type: 'bundle',
          id: 'bundle--6f1ee3a6-8b4e-4b5e-9b0e-5d2f5a0e0c11',
          objects: mine,
        }),
      )
      const imported = await local.cli(['import', bundle, '--collection', 'intel'])
      expect(imported.code, imported.stderr).toBe(0)

      const push = await local.cli(['push', 'lab-b'], { LAB_B_TOKEN: token })
      expect(push.code, push.stderr).toBe(0)
      expect(push.stderr).toContain('lab-b: success, pushed')
      expect(push.stderr).toContain('3 accepted, 0 refused')

      const manifest = await partner.request(
        '/hub/collections/distillation-indicators/manifest/?limit=1000&match[version]=all',
        { token },
      )
      expect(manifest.json.objects).toHaveLength(content.length + mine.length)

      const again = await local.cli(['push', 'lab-b'], { LAB_B_TOKEN: token })
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toContain('0 accepted, 0 refused')
      const [feed] = await feedList(local)
      expect(feed).toMatchObject({ pushed_versions: 3, last_run: { direction: 'push' } })
    })

    it('a feed whose credentials are refused fails with the reason, exits 1 and says so in its health', async () => {
      const r = await local.cli(['pull', 'lab-b'], { LAB_B_TOKEN: 'not-a-token' })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/lab-b: failed/)
      expect(r.stderr).toMatch(/401/)
      const [feed] = await feedList(local)
      expect(feed!.last_error).toMatch(/401/)
      expect(feed!.last_run).toMatchObject({ outcome: 'failed' })

      const missing = await local.cli(['pull', 'lab-b'])
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain('LAB_B_TOKEN is not set')
    })
  })

  describe('an independent TAXII server with the habits of the field', () => {
    let local: Local
    const servers: QuirkyTaxiiServer[] = []

    beforeAll(async () => {
      local = await createLocal(dialect)
    })
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()))
      await local?.close()
    })

    async function feedFrom(name: string, server: QuirkyTaxiiServer, extra: string[] = []) {
      servers.push(server)
      const r = await local.cli([
        'feeds',
        'add',
        name,
        '--url',
        server.apiRootUrl,
        '--collection',
        server.collectionId,
        '--into',
        'intel',
        ...extra,
      ])
      expect(r.code, r.stderr).toBe(0)
    }

    it('T-204 T-211 T-212 brings over every version through Basic auth, 429/503, dropped connections, capped pages, added_after-only paging and ms timestamps', async () => {
      const objects = partnerContent(300).map((o) => ({
        ...o,
        id: (o.id as string).replace('00000000-0000-4000', '11111111-1111-4111'),
      }))
      const server = await startQuirkyTaxiiServer({
        objects,
        pageCap: 70,
        paging: 'added_after-only',
        millisecondTimestamps: true,
        tieDateAdded: 25,
        contentType: 'application/taxii+json; charset=utf-8; version=2.1',
        basicAuth: { username: 'hydrawatch', password: 's3cret' },
        faults: [
          { request: 2, status: 429, retryAfter: '1' },
          { request: 3, status: 503 },
          { request: 5, destroy: true },
        ],
      })
      await feedFrom('field', server, ['--username', 'hydrawatch', '--password-env', 'FIELD_PW'])
      const before = new Set(await local.versions())
      const r = await local.cli(['pull', 'field'], { FIELD_PW: 's3cret' })
      expect(r.code, r.stderr).toBe(0)
      const served = versionsOf(server.stored().map((s) => s.object))
      const now = await local.versions()
      expect(sorted(now.filter((v) => !before.has(v)))).toEqual(sorted(served))
      expect(new Set(now).size).toBe(now.length)
      // every request carried the Basic credentials and a TAXII Accept (T-206)
      for (const req of server.requests) {
        expect(req.headers.authorization).toBe(
          `Basic ${Buffer.from('hydrawatch:s3cret').toString('base64')}`,
        )
        expect(req.headers.accept).toBe('application/taxii+json;version=2.1')
      }
      const again = await local.cli(['pull', 'field'], { FIELD_PW: 's3cret' })
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toMatch(/field: success, pulled \d+ pages: 0 new/)
    })

    // The pull runs in the CLI process on PostgreSQL and inside the hub on the embedded database:
    // both are killed.
    it('T-208 a pull killed with SIGKILL mid-way resumes with nothing lost or duplicated', async () => {
      const objects = partnerContent(1200).map((o) => ({
        ...o,
        id: (o.id as string).replace('00000000-0000-4000', '22222222-2222-4222'),
      }))
      const server = await startQuirkyTaxiiServer({
        objects,
        pageCap: 50,
        tieDateAdded: 120,
        failNextWithoutLimit: true,
        faults: Array.from({ length: 40 }, (_, i) => ({ request: i + 1, stallMs: 60 })),
      })
      await feedFrom('killed', server)
      const before = new Set(await local.versions())

      const child = spawn(process.execPath, [CLI, ...local.flags, 'pull', 'killed'], {
        env: { ...process.env, HYDRAWATCH_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      let crashed: Promise<void> | undefined
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        if (crashed === undefined && /page 8,/.test(stderr)) {
          child.kill('SIGKILL')
          crashed = local.crash()
        }
      })
      await exited
      // the hub must be back before the next command, or that command opens its data directory
      await crashed
      expect(stderr).toMatch(/page 8,/)
      expect(stderr).not.toMatch(/killed: success/)
      const partial = (await local.versions()).filter((v) => !before.has(v))
      expect(partial.length).toBeGreaterThan(0)
      expect(partial.length).toBeLessThan(objects.length)

      const resumed = await local.cli(['pull', 'killed'])
      expect(resumed.code, resumed.stderr).toBe(0)
      const now = (await local.versions()).filter((v) => !before.has(v))
      expect(sorted(now)).toEqual(sorted(versionsOf(server.stored().map((s) => s.object))))
      expect(new Set(now).size).toBe(now.length)
    })

    it('pull --watch pulls again every interval, picks up what the partner added meanwhile, and stops on SIGTERM', async () => {
      const id = (n: number) =>
        `indicator--44444444-4444-4444-8000-${n.toString(16).padStart(12, '0')}`
      const server = await startQuirkyTaxiiServer({ objects: [{ ...indicator(1), id: id(1) }] })
      await feedFrom('watched', server)
      const child = spawn(
        process.execPath,
        [CLI, ...local.flags, 'pull', 'watched', '--watch', '--interval', '1s'],
        {
          env: { ...process.env, HYDRAWATCH_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      )
      let stderr = ''
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      const waitFor = (re: RegExp) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (re.test(stderr)) resolve()
          }
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString()
            check()
          })
          void exited.then(() => reject(new Error(`pull --watch exited: ${stderr}`)))
          check()
        })
      await waitFor(/watched: success, pulled \d+ pages: 1 new/)
      server.add([
        { ...indicator(2), id: id(2) },
        { ...indicator(3), id: id(3) },
      ])
      await waitFor(/watched: success, pulled \d+ pages: 2 new/)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      const runs = (
        JSON.parse((await local.cli(['feeds', 'show', 'watched'])).stdout) as {
          runs: { outcome: string }[]
        }
      ).runs
      expect(runs.length).toBeGreaterThanOrEqual(2)
      expect(runs.every((r) => r.outcome === 'success')).toBe(true)
    })

    it('records objects that fail local validation with the reason and goes on (outcome partial)', async () => {
      const good = [indicator(7001), indicator(7002)].map((o) => ({
        ...o,
        id: o.id.replace('00000000-0000-4000', '33333333-3333-4333'),
      }))
      const bad = {
        ...indicator(7003),
        id: 'indicator--33333333-3333-4333-8000-000000007003',
        pattern: "[ipv4-addr:value = '203.0.113.0/24'",
      }
      const server = await startQuirkyTaxiiServer({ objects: [good[0]!, bad, good[1]!] })
      await feedFrom('sloppy', server)
      const r = await local.cli(['pull', 'sloppy'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain('sloppy: partial')
      expect(r.stderr).toContain('2 new, 0 already present, 1 rejected')
      expect(r.stderr).toContain(bad.id)

      const show = await local.cli(['feeds', 'show', 'sloppy'])
      const feed = JSON.parse(show.stdout) as Record<string, any>
      expect(feed.recent_rejections).toEqual([
        expect.objectContaining({ id: bad.id, reason: expect.stringMatching(/S-1\d\d/) }),
      ])
      expect(feed.runs[0]).toMatchObject({
        direction: 'pull',
        outcome: 'partial',
        new_versions: 2,
        rejected_versions: 1,
      })
    })
  })

  it('feed health over HTTP for an admin token, through a running hub', async () => {
    const local = await createLocal(dialect)
    const server = await startQuirkyTaxiiServer({ objects: [indicator(1), indicator(2)] })
    const hub = local.hub
    try {
      const add = await local.cli([
        'feeds',
        'add',
        'watched',
        '--url',
        server.apiRootUrl,
        '--collection',
        server.collectionId,
        '--into',
        'hub/intel',
      ])
      expect(add.code, add.stderr).toBe(0)
      const pull = await local.cli(['pull'])
      expect(pull.code, pull.stderr).toBe(0)
      expect(pull.stderr).toContain('2 new')

      const admin = (await local.cli(['token', 'issue', '--sub', 'ops', '--admin'])).stdout.trim()
      const reader = (
        await local.cli(['token', 'issue', '--sub', 'lab', '--read', '*'])
      ).stdout.trim()
      const res = await fetch(`${hub.url}/admin/feeds/`, {
        headers: { authorization: `Bearer ${admin}` },
      })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { feeds: Record<string, any>[] }
      expect(body.feeds).toEqual([
        expect.objectContaining({
          name: 'watched',
          pulled_versions: 2,
          last_run: expect.objectContaining({ outcome: 'success', pages: 1, new_versions: 2 }),
        }),
      ])
      const one = await fetch(`${hub.url}/admin/feeds/watched/`, {
        headers: { authorization: `Basic ${Buffer.from(`${admin}:`).toString('base64')}` },
      })
      expect(((await one.json()) as { feed: { runs: unknown[] } }).feed.runs).toHaveLength(1)

      const denied = await fetch(`${hub.url}/admin/feeds/`, {
        headers: { authorization: `Bearer ${reader}` },
      })
      expect(denied.status).toBe(403)
      expect(((await denied.json()) as { title: string }).title).toBe('Forbidden')
      expect((await fetch(`${hub.url}/admin/feeds/`)).status).toBe(401)
      const unknown = await fetch(`${hub.url}/admin/feeds/nope/`, {
        headers: { authorization: `Bearer ${admin}` },
      })
      expect(unknown.status).toBe(404)
    } finally {
      await server.close()
      await local.close()
    }
  })
})
