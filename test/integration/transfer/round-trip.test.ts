import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { operations } from '../../../src/admin/operations.js'
import { DIALECTS } from '../../helpers/db.js'
import { indicator, TAXII } from '../../helpers/hub.js'
import {
  fixture,
  freshPlace,
  importFile,
  pages,
  serve,
  withDeps,
  type Answer,
  type Place,
  type Served,
} from './support.js'

const SHARED = '/partners/collections/365fed99-08fa-fdcd-a1b3-fb247eb41d01'
const RELAY = '/feeds/collections/5eef0252-61f5-4d21-8b4a-c8a08a5ef9f7'
const PROXIES = '/lab/collections/proxies'
const A = 'indicator--91c54f82-d35c-46a3-bad1-a5b54a299594'
const RESTORED_STATUS = '761baf08-988f-4ea8-830c-6ed07880f4fc'
const TIES = '/ties/collections/8a4f5a3e-6b0d-4c1e-9d47-3f2b1c0e5a69'

/** A medallion file whose 12 objects share one date_added: their pks cross 9 to 10. */
function tiesFile(path: string): string {
  const objects = Array.from({ length: 12 }, (_, i) => indicator(100 + i))
  const M21 = 'application/stix+json;version=2.1'
  const manifest = objects.map((o) => ({
    id: o.id,
    date_added: '2025-07-20T00:00:00.000000Z',
    version: o.modified,
    media_type: M21,
  }))
  const collection = { id: TIES.split('/').at(-1), title: 'Ties', can_read: true }
  const root = {
    information: { title: 'Ties', versions: [TAXII], max_content_length: 1048576 },
    collections: [{ ...collection, can_write: false, media_types: [M21], objects, manifest }],
  }
  writeFileSync(path, JSON.stringify({ '/discovery': { title: 'ties' }, ties: root }))
  return path
}

/** What a TAXII client sees of the hub; `next` is opaque (its key is per database), so it goes. */
async function answers(hub: Served, token: string, statuses: string[]) {
  const single = [
    '/taxii2/',
    '/feeds/',
    '/archive/',
    '/partners/',
    '/lab/',
    '/feeds/collections/',
    '/archive/collections/',
    '/partners/collections/',
    '/lab/collections/',
    '/ties/collections/',
    `${SHARED}/`,
    `${PROXIES}/`,
    `${SHARED}/objects/${A}/?match[version]=first`,
    `/partners/status/${RESTORED_STATUS}/`,
    ...statuses,
  ]
  const listings = [SHARED, RELAY, PROXIES, TIES].flatMap((c) => [
    `${c}/objects/?limit=2`,
    `${c}/manifest/?limit=3&match[version]=all&match[spec_version]=2.0,2.1`,
    `${c}/objects/?limit=4&match[version]=all&match[spec_version]=2.0,2.1`,
  ])
  listings.push(`${SHARED}/objects/${A}/versions/?limit=1`)
  const strip = (a: Answer) =>
    JSON.parse(
      JSON.stringify({ ...a, body: { ...a.body, next: undefined } }).replaceAll(hub.url, 'BASE'),
    )
  const result: Record<string, unknown> = {}
  for (const path of single) result[path] = strip(await hub.get(path, token))
  for (const path of listings) result[path] = (await pages(hub, path, token)).map(strip)
  return result
}

const linesAfterHeader = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1)

describe.each(DIALECTS)('export, then import into a fresh database (%s)', (dialect) => {
  let source: Place
  let target: Place

  beforeAll(async () => {
    source = await freshPlace(dialect)
    target = await freshPlace(dialect)
  })
  afterAll(async () => {
    await source.drop()
    await target.drop()
  })

  it('restores every TAXII answer, date_added and page exactly', async () => {
    const file = join(source.dir, 'export.jsonl')
    // imported records (with ties) beside hub-stamped ones, statuses of both kinds, a deletion
    await importFile(source, tiesFile(join(source.dir, 'ties.json')))
    await importFile(source, fixture('medallion-data-file.json'))
    const a = await serve(source)
    let before: Record<string, unknown>
    let statuses: string[]
    let exported: Awaited<ReturnType<typeof operations.export>>
    try {
      const token = await a.token()
      const deps = a.server.deps
      await operations['api-roots.create'](deps, { name: 'lab', title: 'Lab', isDefault: false })
      await operations['collections.create'](deps, {
        apiRoot: 'lab',
        title: 'Proxies',
        alias: 'proxies',
        canRead: true,
        canWrite: false,
      })
      const posted = await a.post(`${SHARED}/objects/`, token, [
        indicator(1),
        indicator(2),
        indicator(1, { modified: '2025-08-01T00:00:00.000Z' }),
        { type: 'indicator', id: 'indicator--bad' },
      ])
      expect(posted.body).toMatchObject({ success_count: 3, failure_count: 1 })
      // the relay's stamps run ahead of the clock: its newest one is then deleted
      const relayed = await a.post(`${RELAY}/objects/`, token, [indicator(3)])
      expect((await a.delete(`${RELAY}/objects/${indicator(3).id}/`, token)).status).toBe(200)
      await operations.import(deps, {
        file: fixture('bundle.json'),
        apiRoot: 'lab',
        collection: 'proxies',
      })
      statuses = [`/partners/status/${posted.body.id}/`, `/feeds/status/${relayed.body.id}/`]
      exported = await operations.export(deps, { file })
      before = await answers(a, token, statuses)
    } finally {
      await a.close()
    }
    expect(exported).toEqual({ file, api_roots: 5, collections: 7, objects: 27, statuses: 5 })

    const summary = await importFile(target, file)
    expect(summary).toEqual({
      format: 'hydrawatch-export',
      api_roots: ['ties', 'feeds', 'archive', 'partners', 'lab'],
      default: 'partners',
      collections: 7,
      objects: 27,
      statuses: 5,
      warnings: [],
    })
    const b = await serve(target)
    try {
      const token = await b.token()
      expect(await answers(b, token, statuses)).toEqual(before)

      const again = join(target.dir, 'again.jsonl')
      await operations.export(b.server.deps, { file: again })
      expect(linesAfterHeader(again)).toEqual(linesAfterHeader(file))

      // T-134: the restored last_date_added still covers the deleted record (stamped at .000020)
      await b.post(`${RELAY}/objects/`, token, [indicator(5)])
      const manifest = await b.get(`${RELAY}/manifest/`, token)
      expect(manifest.body.objects.map((o: any) => o.date_added)).toEqual([
        '2100-01-01T00:00:00.000000Z',
        '2100-01-01T00:00:00.000040Z',
      ])
    } finally {
      await b.close()
    }
    // two fresh embedded databases take seconds each to initialise, a minute on a busy machine
  }, 300_000)

  it('T-170 a pending envelope travels with its status and is stored by the hub serving the import', async () => {
    const from = await freshPlace(dialect)
    const to = await freshPlace(dialect)
    try {
      const file = join(from.dir, 'export.jsonl')
      const object = indicator(70)
      const statusId = 'a7b0c2d4-5e6f-4a1b-8c2d-3e4f5a6b7c8d'
      await withDeps(from, async (deps) => {
        await operations['api-roots.create'](deps, { name: 'lab', title: 'Lab', isDefault: true })
        const { collection } = await operations['collections.create'](deps, {
          apiRoot: 'lab',
          title: 'Inbox',
          alias: 'inbox',
          canRead: true,
          canWrite: true,
        })
        const root = (await deps.store.getApiRoot('lab'))!
        // accepted by a hub that stopped before storing it, its lease still running
        await deps.store.putPendingStatus(
          {
            id: statusId,
            api_root_pk: root.pk,
            owner_sub: 'acme',
            status: 'pending',
            request_timestamp: '2025-07-14T09:30:00.000000Z',
            total_count: 1,
            success_count: 0,
            failure_count: 0,
            pending_count: 1,
            successes: [],
            failures: [],
            pendings: [{ id: object.id, version: object.modified }],
          },
          3600,
          {
            collection_pk: collection.pk,
            sub: 'acme',
            identities: [],
            body: JSON.stringify({ objects: [object] }),
          },
          3600,
        )
        await operations.export(deps, { file })
      })
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => (l === '' ? {} : JSON.parse(l)))
        .find((r) => r.record === 'status')
      expect(line.envelope).toEqual({
        collection: expect.any(String),
        sub: 'acme',
        identities: [],
        body: JSON.stringify({ objects: [object] }),
      })

      await importFile(to, file)
      const hub = await serve(to)
      try {
        const token = await hub.token()
        await expect
          .poll(async () => (await hub.get(`/lab/status/${statusId}/`, token)).body, {
            timeout: 20_000,
          })
          .toMatchObject({ status: 'complete', success_count: 1, pending_count: 0 })
        const stored = await hub.get(`/lab/collections/inbox/objects/${object.id}/`, token)
        expect(stored.body.objects).toEqual([object])
      } finally {
        await hub.close()
      }
    } finally {
      await from.drop()
      await to.drop()
    }
  }, 300_000)
})
