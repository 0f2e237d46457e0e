import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  expectError,
  ind,
  ind20,
  post,
  STIX_20,
  STIX_21,
  stixId,
  TAXII,
  TAXII_TIMESTAMP,
} from './conformance.js'

const SALT = 0x3a
const MANIFEST = '/hub/collections/distillation-indicators/manifest/'
const A = stixId('indicator', 1, SALT)
const B = stixId('infrastructure', 2, SALT)
const C = stixId('ipv4-addr', 3, SALT)
const D = stixId('indicator', 4, SALT)

describe.each(DIALECTS)('GET manifest (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  const get = (query = '', headers: Record<string, string> = {}) =>
    hub.request(`${MANIFEST}${query === '' ? '' : `?${query}`}`, { token, headers })

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    const c = 'distillation-indicators'
    await post(hub, token, c, [ind(A, '2025-07-14T10:00:00.000Z')])
    await post(hub, token, c, [
      ind(A, '2025-07-14T09:30:00.000Z'),
      {
        type: 'infrastructure',
        spec_version: '2.1',
        id: B,
        created: '2025-07-14T09:30:00.000Z',
        modified: '2025-07-14T09:30:00.000Z',
        name: 'egress pool',
      },
      { type: 'ipv4-addr', spec_version: '2.1', id: C, value: '203.0.113.9' },
      ind20(D),
    ])
  })
  afterAll(() => hub.close())

  it('T-140 T-142 T-143 T-144 answers manifest records with date headers', async () => {
    const res = await get('match[version]=all')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TAXII)
    expect(Object.keys(res.json)).toEqual(['more', 'objects'])
    expect(res.json.objects).toHaveLength(5)
    for (const r of res.json.objects) {
      expect(Object.keys(r).sort()).toEqual(['date_added', 'id', 'media_type', 'version'])
      expect(r.date_added).toMatch(TAXII_TIMESTAMP)
    }
    expect(res.headers.get('x-taxii-date-added-first')).toBe(res.json.objects[0].date_added)
    expect(res.headers.get('x-taxii-date-added-last')).toBe(res.json.objects[4].date_added)
  })

  it('T-136 T-126 one record per version, sorted by date_added', async () => {
    const res = await get(`match[id]=${A}&match[version]=all`)
    expect(res.json.objects.map((r: any) => r.version)).toEqual([
      '2025-07-14T10:00:00.000Z',
      '2025-07-14T09:30:00.000Z',
    ])
    const dates = res.json.objects.map((r: any) => r.date_added)
    expect(dates).toEqual([...dates].sort())
    expect(dates[0]).not.toBe(dates[1])
  })

  it('T-144 T-121 version is modified, else created, else the record date_added', async () => {
    const res = await get('match[version]=all')
    const byId = (id: string) => res.json.objects.filter((r: any) => r.id === id)
    expect(byId(B)[0].version).toBe('2025-07-14T09:30:00.000Z')
    expect(byId(C)[0].version).toBe(byId(C)[0].date_added)
  })

  it('T-144 media_type follows the spec version and is one of the collection media_types', async () => {
    const res = await get('match[spec_version]=2.0,2.1')
    const media = Object.fromEntries(res.json.objects.map((r: any) => [r.id, r.media_type]))
    expect(media[A]).toBe(STIX_21)
    expect(media[C]).toBe(STIX_21)
    expect(media[D]).toBe(STIX_20)
    const collection = await hub.request('/hub/collections/distillation-indicators/', { token })
    for (const m of Object.values(media)) expect(collection.json.media_types).toContain(m)
  })

  it('T-140 T-117 the default version filter is last, as for objects', async () => {
    const res = await get(`match[id]=${A}`)
    expect(res.json.objects.map((r: any) => r.version)).toEqual(['2025-07-14T10:00:00.000Z'])
  })

  it('T-124 filters apply to the objects the records describe', async () => {
    const res = await get('match[type]=indicator')
    expect(res.json.objects.map((r: any) => r.id).sort()).toEqual([A, D].sort())
    const infra = await get('match[type]=infrastructure,ipv4-addr&match[spec_version]=2.1')
    expect(infra.json.objects.map((r: any) => r.id).sort()).toEqual([B, C].sort())
  })

  it('T-140 supports added_after, limit and next like Get Objects', async () => {
    const all = await get('match[version]=all')
    const first = all.json.objects[0].date_added
    const after = await get(`match[version]=all&added_after=${first}`)
    expect(after.json.objects).toEqual(all.json.objects.slice(1))
    const page = await get('match[version]=all&limit=2')
    expect(page.json.more).toBe(true)
    expect(page.json.objects).toEqual(all.json.objects.slice(0, 2))
    const next = await get(`match[version]=all&limit=2&next=${page.json.next}`)
    expect(next.json.objects).toEqual(all.json.objects.slice(2, 4))
  })

  it('T-143 T-129 an empty manifest is {} without date headers', async () => {
    const res = await get('match[type]=campaign')
    expect(res.text).toBe('{}')
    expect(res.headers.get('x-taxii-date-added-first')).toBeNull()
  })

  it('T-141 T-142 failures: 400, 401, 403, 404, 406', async () => {
    expectError(await get('match[type]=BAD'), 400)
    expectError(await hub.request(MANIFEST), 401)
    expectError(await hub.request(MANIFEST, { token: await hub.token({ write: ['*'] }) }), 403)
    expectError(await hub.request('/hub/collections/nope/manifest/', { token }), 404)
    expectError(await get('', { accept: 'application/json' }), 406)
  })

  it('T-030 T-025 an Accept naming only application/stix+json is 406, with TAXII listed it is served', async () => {
    expectError(await get('', { accept: 'application/stix+json;version=2.1' }), 406)
    const res = await get('', { accept: `${STIX_21}, ${TAXII}` })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TAXII)
  })

  it('T-007 manifest without trailing slash', async () => {
    const res = await hub.request(MANIFEST.slice(0, -1), { token })
    expect(res.status).toBe(200)
  })
})
