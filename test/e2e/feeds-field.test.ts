// Partner feeds from an independent TAXII server with the habits of the field (the feeds
// between two hydrawatch hubs are in feeds-hubs.test.ts: the two files run side by side).
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLI } from '../helpers/cli.js'
import { DIALECTS } from '../helpers/db.js'
import { createLocal, partnerContent, sorted, versionsOf, type Local } from '../helpers/feeds.js'
import { indicator } from '../helpers/hub.js'
import { startQuirkyTaxiiServer, type QuirkyTaxiiServer } from '../helpers/quirky-taxii-server.js'

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 })

describe.each(DIALECTS)('partner feeds on %s', (dialect) => {
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
})
