// Partner feeds between two hydrawatch hubs, and feed health over HTTP (the feeds against an
// independent server are in feeds-field.test.ts: the two files run side by side).
import { randomUUID } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DIALECTS } from '../helpers/db.js'
import {
  createLocal,
  feedList,
  partnerContent,
  sorted,
  versionsOf,
  type Local,
} from '../helpers/feeds.js'
import { indicator, startTestHub, type TestHub } from '../helpers/hub.js'
import { startQuirkyTaxiiServer } from '../helpers/quirky-taxii-server.js'

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 })

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

    /** `objects` imported as a bundle into the local collection the feed pushes from */
    async function importIntoIntel(objects: Record<string, unknown>[]): Promise<void> {
      const bundle = join(tmpdir(), `hw-feeds-bundle-${process.pid}-${dialect}.json`)
      await writeFile(
        bundle,
        JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }),
      )
      const imported = await local
        .cli(['import', bundle, '--collection', 'intel'])
        .finally(() => rm(bundle, { force: true }))
      expect(imported.code, imported.stderr).toBe(0)
    }

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
      await importIntoIntel(mine)

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

    it('a version the partner refuses (S-062) is kept, sent again on the next push, and dropped once accepted', async () => {
      const admin = await partner.token({ read: ['*'], write: ['*'], admin: ['*'] })
      const path = '/hub/collections/distillation-indicators/objects/'
      const revoked = indicator(9100, { modified: '2025-08-01T00:00:00.000Z', revoked: true })
      const posted = await partner.request(path, { token, body: { objects: [revoked] } })
      expect(posted.json.success_count).toBe(1)
      // a later version of what the partner holds revoked, which it must refuse (S-062)
      const later = indicator(9100, { modified: '2025-09-01T00:00:00.000Z' })
      await importIntoIntel([later, indicator(9101)])

      const refused = await local.cli(['push', 'lab-b'], { LAB_B_TOKEN: token })
      expect(refused.code, refused.stderr).toBe(0)
      expect(refused.stderr).toContain('1 accepted, 1 refused (kept for the next push)')
      expect(refused.stderr).toContain(later.id)

      const still = await local.cli(['push', 'lab-b'], { LAB_B_TOKEN: token })
      expect(still.stderr).toContain('0 accepted, 1 refused (kept for the next push)')

      const removed = await partner.request(`${path}${revoked.id}/`, {
        token: admin,
        method: 'DELETE',
      })
      expect(removed.status).toBe(200)
      const retried = await local.cli(['push', 'lab-b'], { LAB_B_TOKEN: token })
      expect(retried.code, retried.stderr).toBe(0)
      expect(retried.stderr).toContain('1 accepted, 0 refused')
      const held = await partner.request(`${path}${later.id}/?match[version]=all`, { token })
      expect(held.json.objects).toEqual([later])

      const settled = await local.cli(['push', 'lab-b'], { LAB_B_TOKEN: token })
      expect(settled.stderr).toContain('0 accepted, 0 refused')
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
