import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import {
  fixture,
  freshPlace,
  importFile,
  pages,
  readFixture,
  serve,
  type Place,
  type Served,
} from './support.js'

const M20 = 'application/stix+json;version=2.0'
const M21 = 'application/stix+json;version=2.1'
const SHARED = '/partners/collections/365fed99-08fa-fdcd-a1b3-fb247eb41d01'
const TIE = '2025-07-02T10:00:01.000000Z'

const data = readFixture('medallion-data-file.json')
const shared = data.partners.collections[1]
/** The fixture's objects by position: a1, b, a2, rel, mal20, mal21, ip, tlp. */
const [a1, b, a2, rel, mal20, mal21, ip, tlp] = shared.objects as any[]
const ids = (answer: { body: any }) => answer.body.objects.map((o: any) => o.id)

describe.each(DIALECTS)('import of a medallion data file (%s)', (dialect) => {
  let place: Place
  let hub: Served
  let token: string
  let summary: Awaited<ReturnType<typeof importFile>>

  beforeAll(async () => {
    place = await freshPlace(dialect)
    summary = await importFile(place, fixture('medallion-data-file.json'))
    hub = await serve(place)
    token = await hub.token()
    // a fresh embedded database takes seconds to initialise, a minute on a busy machine
  }, 180_000)
  afterAll(async () => {
    await hub.close()
    await place.drop()
  })

  it('reports what it imported and warns about what it normalised or skipped', () => {
    expect(summary).toMatchObject({
      format: 'medallion',
      api_roots: ['feeds', 'archive', 'partners'],
      default: 'partners',
      collections: 5,
      objects: 10,
      statuses: 2,
    })
    const text = summary.warnings.join('\n')
    expect(text).toContain('total_objects read as total_count')
    expect(text).toContain('status[2]: no usable or unique 8-4-4-4-12 id; skipped')
    expect(text).toContain(
      'discovery title "Distillation feeds (medallion)" is not imported: set HYDRAWATCH_TITLE',
    )
    expect(text).toContain(
      'discovery description "Shared indicators of distillation attacks" is not imported: set HYDRAWATCH_DESCRIPTION',
    )
    expect(text).toContain(
      'discovery contact "soc@lab.example" is not imported: set HYDRAWATCH_CONTACT',
    )
  })

  it('T-071 serves discovery with the API roots in file order and its default rebased', async () => {
    const res = await hub.get('/taxii2/', token)
    expect(res.body).toEqual({
      title: 'hydrawatch',
      default: `${hub.url}/partners/`,
      api_roots: [`${hub.url}/feeds/`, `${hub.url}/archive/`, `${hub.url}/partners/`],
    })
  })

  it('serves each API root with its title, description, versions and max_content_length', async () => {
    expect((await hub.get('/archive/', token)).body).toEqual(data.archive.information)
    expect((await hub.get('/partners/', token)).body).toEqual(data.partners.information)
  })

  it('T-042 keeps collection ids verbatim and their can_read/can_write as the policy', async () => {
    const res = await hub.get('/partners/collections/', token)
    expect(res.body.collections).toEqual([
      {
        id: '52892447-4d7e-4f70-b94d-d7f22742ff63',
        title: 'Closed',
        can_read: false,
        can_write: false,
        media_types: [M21],
      },
      {
        id: '472c94ae-3113-4e3e-a4dd-a9f4ac7471d4',
        title: 'Inbox',
        description: 'Write-only drop box',
        can_read: false,
        can_write: true,
        media_types: [M21],
      },
      {
        id: '365fed99-08fa-fdcd-a1b3-fb247eb41d01',
        title: 'Shared indicators',
        description: 'Indicators of hydra clusters',
        can_read: true,
        can_write: true,
        media_types: [M20, M21],
      },
    ])
    const inbox = await hub.get(
      '/partners/collections/472c94ae-3113-4e3e-a4dd-a9f4ac7471d4/objects/',
      token,
    )
    expect(inbox.status).toBe(403)
  })

  it('T-134 serves objects by their manifest date_added, ties in file order', async () => {
    const res = await hub.get(`${SHARED}/objects/`, token)
    expect(res.status).toBe(200)
    // latest version of each object, of its latest spec version (T-117, T-122)
    expect(res.body).toEqual({ more: false, objects: [tlp, b, a2, rel, mal21, ip] })
    expect(res.first).toBe('2025-06-30T00:00:00.000000Z')
    expect(res.last).toBe('2025-07-03T00:00:00.123456Z')
  })

  it('T-134 pages through tied date_added without losing or repeating a record', async () => {
    const all = await pages(hub, `${SHARED}/objects/?limit=2`, token)
    expect(all.map(ids)).toEqual([
      [tlp.id, b.id],
      [a2.id, rel.id],
      [mal21.id, ip.id],
    ])
    expect(all.map((p) => [p.first, p.last])).toEqual([
      ['2025-06-30T00:00:00.000000Z', TIE],
      [TIE, TIE],
      ['2025-07-02T11:00:00.000000Z', '2025-07-03T00:00:00.123456Z'],
    ])
    const after = await hub.get(`${SHARED}/objects/?added_after=${TIE}`, token)
    expect(ids(after)).toEqual([mal21.id, ip.id])
  })

  it('T-144 serves the manifest with every version, its date_added and media type', async () => {
    const res = await hub.get(
      `${SHARED}/manifest/?match[version]=all&match[spec_version]=2.0,2.1`,
      token,
    )
    expect(res.body.objects).toEqual([
      {
        id: tlp.id,
        date_added: '2025-06-30T00:00:00.000000Z',
        version: '2017-01-20T00:00:00.000Z',
        media_type: M21,
      },
      {
        id: a1.id,
        date_added: '2025-07-01T10:00:01.000000Z',
        version: a1.modified,
        media_type: M21,
      },
      { id: b.id, date_added: TIE, version: b.modified, media_type: M21 },
      { id: a2.id, date_added: TIE, version: a2.modified, media_type: M21 },
      { id: rel.id, date_added: TIE, version: rel.modified, media_type: M21 },
      {
        id: mal20.id,
        date_added: '2025-07-02T11:00:00.000000Z',
        version: mal20.modified,
        media_type: M20,
      },
      {
        id: mal21.id,
        date_added: '2025-07-02T11:00:00.000000Z',
        version: mal21.modified,
        media_type: M21,
      },
      // T-121: an SCO's version is its date_added
      {
        id: ip.id,
        date_added: '2025-07-03T00:00:00.123456Z',
        version: '2025-07-03T00:00:00.123456Z',
        media_type: M21,
      },
    ])
  })

  it('S-041 serves the STIX 2.0 version as stored, as JSON.stringify wrote it', async () => {
    const res = await hub.get(`${SHARED}/objects/${mal20.id}/?match[spec_version]=2.0`, token)
    expect(res.body.objects).toEqual([mal20])
    const raw = await fetch(new URL(`${SHARED}/objects/${ip.id}/`, hub.url), {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(await raw.text()).toBe(`{"more":false,"objects":[${JSON.stringify(ip)}]}`)
  })

  it('T-051 serves restored statuses to any principal with a scope in the API root', async () => {
    const reader = await hub.token({ sub: 'someone-else', admin: undefined, read: ['*'] })
    const [good, malformed] = data.partners.status
    expect((await hub.get(`/partners/status/${good.id}/`, reader)).body).toEqual(good)
    const res = await hub.get(`/partners/status/${malformed.id}/`, reader)
    expect(res.body).toEqual({
      id: malformed.id,
      status: 'complete',
      request_timestamp: '2025-07-02T10:05:00.000000Z',
      total_count: 2,
      success_count: 2,
      successes: malformed.successes,
      failure_count: 0,
      pending_count: 0,
    })
    const outsider = await hub.token({
      sub: 'outsider',
      admin: ['feeds/0f036db1-fade-4903-b4ec-a7244d6e15a0'],
    })
    expect((await hub.get(`/partners/status/${good.id}/`, outsider)).status).toBe(404)
  })

  it('T-134 stamps later posts after the newest imported date_added', async () => {
    const relay = '/feeds/collections/5eef0252-61f5-4d21-8b4a-c8a08a5ef9f7'
    const posted = await hub.post(`${relay}/objects/`, token, [{ ...a1, name: 'reposted' }])
    expect(posted.body).toMatchObject({ status: 'complete', success_count: 1 })
    const res = await hub.get(`${relay}/manifest/`, token)
    expect(res.body.objects.map((o: any) => o.date_added)).toEqual([
      '2100-01-01T00:00:00.000000Z',
      '2100-01-01T00:00:00.000020Z',
    ])
  })
})
