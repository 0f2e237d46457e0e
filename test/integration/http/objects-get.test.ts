import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  expectError,
  ind,
  ind20,
  objectsPath,
  post,
  stixId,
  TAXII,
  TAXII_TIMESTAMP,
} from './conformance.js'

const SALT = 0x0b
const OBJECTS = objectsPath('distillation-indicators')
const MANIFEST = '/hub/collections/distillation-indicators/manifest/'

// A: three versions, posted out of version order (date_added order v2, v3, v1)
const A = stixId('indicator', 1, SALT)
const V1 = '2025-07-14T09:30:00.000Z'
const V2 = '2025-07-14T10:00:00.000Z'
const V3 = '2025-07-14T11:00:00.000Z'
// B: an infrastructure object
const B = stixId('infrastructure', 2, SALT)
// C: an SCO without created/modified
const C = stixId('ipv4-addr', 3, SALT)
// D: the same id as STIX 2.0 (older) and 2.1 (newer)
const D = stixId('indicator', 4, SALT)
// E: the same id as STIX 2.1 (older) and 2.0 (newer version value)
const E = stixId('indicator', 5, SALT)
// F: version with sub-millisecond and odd precision
const F = stixId('indicator', 6, SALT)
const F_VERSION = '2025-07-14T09:30:01.120Z'
const G = stixId('indicator', 7, SALT)
const G_VERSION = '2025-07-14T09:30:00.123456Z'
// M: a marking-definition (version = created)
const M = stixId('marking-definition', 8, SALT)

const infrastructure = {
  type: 'infrastructure',
  spec_version: '2.1',
  id: B,
  created: '2025-07-14T09:30:00.000Z',
  modified: '2025-07-14T09:30:00.000Z',
  name: 'proxy egress pool',
  infrastructure_types: ['anonymization'],
}
const sco = { type: 'ipv4-addr', spec_version: '2.1', id: C, value: '198.51.100.7' }
const marking = {
  type: 'marking-definition',
  spec_version: '2.1',
  id: M,
  created: '2025-07-14T09:30:00.000Z',
  definition_type: 'statement',
  definition: { statement: 'test terms' },
}

type Record = { id: string; date_added: string; version: string; media_type: string }

const ids = (res: { json: any }) => (res.json.objects ?? []).map((o: any) => o.id)
const versionsOf = (res: { json: any }) =>
  (res.json.objects ?? []).map((o: any) => [o.id, o.modified ?? o.created ?? null])

/** `t` (6 digits, Z) rewritten in a zone `hours` east of UTC, e.g. `…T11:30:00.123456+02:00`. */
function withOffset(t: string, hours: number): string {
  const local = new Date(Date.parse(t.slice(0, 19) + 'Z') + hours * 3600_000).toISOString()
  const sign = hours < 0 ? '-' : '+'
  const hh = String(Math.abs(hours)).padStart(2, '0')
  return `${local.slice(0, 19)}${t.slice(19, 26)}${sign}${hh}:00`
}

describe.each(DIALECTS)('GET objects and filters (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let records: Record[]
  const get = (query = '', path = OBJECTS) =>
    hub.request(`${path}${query === '' ? '' : `?${query}`}`, { token })
  const added = (id: string, version?: string) =>
    records.find((r) => r.id === id && (version === undefined || r.version === version))!.date_added

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    const c = 'distillation-indicators'
    await post(hub, token, c, [ind(A, V2)])
    await post(hub, token, c, [ind(A, V3), infrastructure])
    await post(hub, token, c, [ind(A, V1), sco, marking])
    await post(hub, token, c, [ind20(D, '2025-07-14T09:00:00.000Z'), ind(D, V2)])
    await post(hub, token, c, [ind(E, '2025-07-14T09:00:00.000Z'), ind20(E, V3)])
    await post(hub, token, c, [ind(F, F_VERSION), ind(G, G_VERSION)])
    const all = await get('match[version]=all&match[spec_version]=2.0,2.1&limit=1000', MANIFEST)
    records = all.json.objects
  })
  afterAll(() => hub.close())

  describe('T-150..T-154 the envelope', () => {
    it('T-151 T-152 T-153 answers an envelope of STIX objects with date headers', async () => {
      const res = await get()
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(TAXII)
      expect(Object.keys(res.json)).toEqual(['more', 'objects'])
      expect(res.json.more).toBe(false)
      for (const o of res.json.objects) {
        expect(o.type).not.toBe('bundle')
        expect(typeof o.id).toBe('string')
      }
      expect(res.headers.get('x-taxii-date-added-first')).toMatch(TAXII_TIMESTAMP)
      expect(res.headers.get('x-taxii-date-added-last')).toMatch(TAXII_TIMESTAMP)
    })

    it('T-100 T-117 T-122 without parameters: every object, latest version, latest spec version', async () => {
      const res = await get()
      expect(versionsOf(res).sort()).toEqual(
        [
          [A, V3],
          [B, '2025-07-14T09:30:00.000Z'],
          [C, null],
          [D, V2],
          [E, '2025-07-14T09:00:00.000Z'],
          [F, F_VERSION],
          [G, G_VERSION],
          [M, '2025-07-14T09:30:00.000Z'],
        ].sort(),
      )
      expect(res.json.objects.find((o: any) => o.id === D).spec_version).toBe('2.1')
      expect(res.json.objects.find((o: any) => o.id === E).spec_version).toBe('2.1')
    })

    it('T-104 T-126 results are sorted ascending by date_added', async () => {
      const res = await get('match[version]=all&match[spec_version]=2.0,2.1')
      const dates = res.json.objects.map(
        (o: any) =>
          records.find(
            (r) => r.id === o.id && r.version === (o.modified ?? o.created ?? r.version),
          )!.date_added,
      )
      expect(dates).toEqual([...dates].sort())
      expect(res.headers.get('x-taxii-date-added-first')).toBe(records[0]!.date_added)
      expect(res.headers.get('x-taxii-date-added-last')).toBe(
        records[records.length - 1]!.date_added,
      )
    })

    it('T-152 T-129 T-133 no match is exactly {} without date headers', async () => {
      const res = await get('match[type]=campaign')
      expect(res.status).toBe(200)
      expect(res.text).toBe('{}')
      expect(res.headers.get('x-taxii-date-added-first')).toBeNull()
      expect(res.headers.get('x-taxii-date-added-last')).toBeNull()
    })

    it('T-150 T-151 failures: 401, 403, 404, 406', async () => {
      expectError(await hub.request(OBJECTS), 401)
      expectError(await hub.request(OBJECTS, { token: await hub.token({ write: ['*'] }) }), 403)
      expectError(await hub.request(objectsPath('nope'), { token }), 404)
      expectError(await hub.request(OBJECTS, { token, headers: { accept: 'text/html' } }), 406)
    })

    it('T-179 an object id in the path is data: quotes, backslashes and separators find nothing', async () => {
      const before = await get('match[version]=all&match[spec_version]=2.0,2.1')
      for (const id of [
        `${A}'`,
        `x' or '1'='1`,
        `x\\' or true --`,
        `${A}\u001e${B}`,
        `${A}'); delete from objects; --`,
        `${A}\u0000`,
        `\u0000' or true --`,
      ]) {
        const path = `${OBJECTS}${encodeURIComponent(id)}/`
        expectError(await hub.request(path, { token }), 404, 'TAXII_ERR_OBJECT_NOT_FOUND')
        expectError(await hub.request(`${path}versions/`, { token }), 404)
        expectError(await hub.request(path, { token, method: 'DELETE' }), 404)
      }
      // PostgreSQL text cannot hold U+0000: such an API root or collection is none
      expectError(await hub.request('/hub%00/collections/', { token }), 404)
      expectError(
        await hub.request('/hub/collections/distillation-indicators%00/objects/', { token }),
        404,
        'TAXII_ERR_COLLECTION_NOT_FOUND',
      )
      const after = await get('match[version]=all&match[spec_version]=2.0,2.1')
      expect(after.text).toBe(before.text)
    })

    it('T-007 objects without the trailing slash are served the same', async () => {
      const slashed = await get()
      const bare = await hub.request(OBJECTS.slice(0, -1), { token })
      expect(bare.status).toBe(200)
      expect(bare.text).toBe(slashed.text)
    })
  })

  describe('T-102 T-103 added_after', () => {
    it('T-103 P-3 excludes a record whose date_added equals added_after', async () => {
      const t = added(A, V3)
      const res = await get(`added_after=${t}&match[version]=all&match[spec_version]=2.0,2.1`)
      expect(versionsOf(res)).not.toContainEqual([A, V3])
      expect(records.filter((r) => r.date_added > t).length).toBe(res.json.objects.length)
      expect(res.headers.get('x-taxii-date-added-first')! > t).toBe(true)
    })

    it('T-103 includes a record one microsecond later', async () => {
      const t = added(A, V3)
      const before = records[records.findIndex((r) => r.date_added === t) - 1]!.date_added
      const res = await get(`added_after=${before}&match[version]=all`)
      expect(versionsOf(res)).toContainEqual([A, V3])
    })

    it('T-103 has no relation to the timestamps inside objects', async () => {
      const res = await get('added_after=2025-07-14T12:00:00.000000Z')
      expect(ids(res).length).toBe(8)
      expect((await get('added_after=2999-01-01T00:00:00Z')).text).toBe('{}')
    })

    it('T-102 accepts 0, 3, 6 and 9 fractional digits', async () => {
      const t = added(B)
      const expected = (cut: string) =>
        records.filter((r) => r.date_added > cut).map((r) => `${r.id} ${r.version}`)
      const variants: [string, string][] = [
        [`${t.slice(0, 19)}Z`, `${t.slice(0, 19)}.000000Z`],
        [`${t.slice(0, 23)}Z`, `${t.slice(0, 23)}000Z`],
        [t, t],
        [`${t.slice(0, 26)}999Z`, t],
      ]
      for (const [given, cut] of variants) {
        const res = await get(
          `added_after=${given}&match[version]=all&match[spec_version]=2.0,2.1`,
          MANIFEST,
        )
        expect(res.status, given).toBe(200)
        const got = (res.json.objects ?? []).map((r: any) => `${r.id} ${r.version}`)
        expect(got, given).toEqual(expected(cut))
      }
    })

    it('T-102 accepts numeric offsets, encoded or with + turned into a space', async () => {
      const t = added(B)
      const baseline = await get(`added_after=${t}&match[version]=all`, MANIFEST)
      for (const given of [
        withOffset(t, 2).replace('+', '%2B'),
        withOffset(t, 2).replace('+', ' ').replace(' ', '%20'),
        withOffset(t, 2),
        withOffset(t, -4),
        `${t.slice(0, 26)}+00:00`.replace('+', '%2B'),
      ]) {
        const res = await get(`added_after=${given}&match[version]=all`, MANIFEST)
        expect(res.status, given).toBe(200)
        expect(res.text, given).toBe(baseline.text)
      }
    })

    it('T-102 T-101 anything else is 400', async () => {
      for (const bad of [
        'yesterday',
        '2025-07-14',
        '2025-07-14T09:30:00',
        '2025-07-14 09:30:00Z',
        '2025-13-01T00:00:00Z',
        '2025-02-30T00:00:00Z',
        '2025-07-14T09:30:00.1234567891Z',
        '2025-07-14T09:30:00.Z',
        '1720949400',
        '',
      ]) {
        expectError(await get(`added_after=${encodeURIComponent(bad)}`), 400, 'TAXII_ERR_BAD_QUERY')
      }
    })

    it('T-102 added_after more than once is 400', async () => {
      const res = await get('added_after=2025-01-01T00:00:00Z&added_after=2025-01-02T00:00:00Z')
      expectError(res, 400)
    })

    it('T-011 date headers are TAXII timestamps whatever precision added_after had', async () => {
      const res = await get('added_after=2020-01-01T00:00:00Z')
      expect(res.headers.get('x-taxii-date-added-first')).toMatch(TAXII_TIMESTAMP)
    })
  })

  describe('T-110..T-115 match[id] and match[type]', () => {
    it('T-114 T-111 match[id] takes a comma list of ids (OR)', async () => {
      expect(ids(await get(`match[id]=${A}`))).toEqual([A])
      expect(ids(await get(`match[id]=${B},${C}`)).sort()).toEqual([B, C].sort())
      expect((await get(`match[id]=${stixId('indicator', 99, SALT)}`)).text).toBe('{}')
    })

    it('T-112 strips spaces around items', async () => {
      const res = await get(`match[id]=${B},%20${C}%20`)
      expect(ids(res).sort()).toEqual([B, C].sort())
    })

    it('T-114 T-112 an item that is not a STIX id, or an empty item, is 400', async () => {
      for (const bad of ['foo', 'indicator--', 'indicator--1234', `${A},`, `${A},,${B}`, ',']) {
        expectError(await get(`match[id]=${bad}`), 400)
      }
    })

    it('T-115 T-111 match[type] filters by type, comma lists OR-ed', async () => {
      expect(ids(await get('match[type]=infrastructure'))).toEqual([B])
      expect(ids(await get('match[type]=infrastructure,ipv4-addr')).sort()).toEqual([B, C].sort())
    })

    it('T-115 a well-formed unknown type matches nothing, without error', async () => {
      for (const t of ['x-acme-signal', 'campaign', 'grouping', 'language-content']) {
        const res = await get(`match[type]=${t}`)
        expect(res.status).toBe(200)
        expect(res.text).toBe('{}')
      }
    })

    it('T-115 a value that is not a STIX type name is 400', async () => {
      for (const bad of ['Indicator', 'in', 'x_custom', 'indicator--x', '-abc', 'a%20b', '']) {
        expectError(await get(`match[type]=${bad}`), 400)
      }
    })

    it('T-110 a match field given twice is 400', async () => {
      expectError(await get('match[type]=indicator&match[type]=infrastructure'), 400)
      expectError(await get(`match[id]=${A}&match[id]=${B}`), 400)
      expectError(await get('match[version]=all&match[version]=all'), 400)
      expectError(await get('match[spec_version]=2.1&match[spec_version]=2.1'), 400)
    })

    it('T-111 different fields combine with AND', async () => {
      const res = await get('match[type]=indicator,infrastructure&match[spec_version]=2.0')
      expect(ids(res).sort()).toEqual([D, E].sort())
      expect(ids(await get(`match[type]=infrastructure&match[id]=${A}`))).toEqual([])
    })

    it('T-113 unknown match fields and unknown parameters are ignored', async () => {
      const plain = await get()
      for (const q of [
        'match[color]=red',
        'foo=bar',
        'match[]=x',
        'match[type2]=!!',
        'matchtype=x',
      ]) {
        const res = await get(q)
        expect(res.status, q).toBe(200)
        expect(res.text, q).toBe(plain.text)
      }
    })
  })

  describe('T-116..T-121 match[version]', () => {
    it('T-117 default is last', async () => {
      const res = await get(`match[id]=${A}`)
      expect(versionsOf(res)).toEqual([[A, V3]])
      expect((await get(`match[id]=${A}&match[version]=last`)).text).toBe(res.text)
    })

    it('T-116 T-121 first and last go by version value, not by date_added', async () => {
      // date_added order of A is V2, V3, V1
      expect(versionsOf(await get(`match[id]=${A}&match[version]=first`))).toEqual([[A, V1]])
      expect(versionsOf(await get(`match[id]=${A}&match[version]=last`))).toEqual([[A, V3]])
    })

    it('T-116 T-126 all returns every version sorted by date_added', async () => {
      const res = await get(`match[id]=${A}&match[version]=all`)
      expect(versionsOf(res)).toEqual([
        [A, V2],
        [A, V3],
        [A, V1],
      ])
    })

    it('T-119 a specific version selects exactly that version', async () => {
      expect(versionsOf(await get(`match[id]=${A}&match[version]=${V2}`))).toEqual([[A, V2]])
      expect((await get(`match[id]=${A}&match[version]=2025-07-14T10:00:00.001Z`)).text).toBe('{}')
    })

    it('T-118 distinct timestamps and keywords combine as a union, each record once', async () => {
      const res = await get(`match[id]=${A}&match[version]=${V1},${V2}`)
      expect(versionsOf(res)).toEqual([
        [A, V2],
        [A, V1],
      ])
      const mixed = await get(`match[id]=${A}&match[version]=first,last,${V1}`)
      expect(versionsOf(mixed)).toEqual([
        [A, V3],
        [A, V1],
      ])
    })

    it('T-118 a repeated keyword or value, or all with anything else, is 400', async () => {
      for (const bad of [
        'last,last',
        'first,first',
        `${V1},${V1}`,
        `${V1},2025-07-14T09:30:00Z`,
        'all,last',
        `all,${V1}`,
        'all,all',
      ]) {
        expectError(await get(`match[version]=${bad}`), 400)
      }
    })

    it('T-119 a value that is neither a keyword nor a STIX timestamp is 400', async () => {
      for (const bad of [
        'latest',
        'ALL',
        '2025-07-14',
        '2025-07-14T09:30:00.000%2B00:00',
        '2025-07-14T09:30:00.000',
        '2025-07-14T25:30:00.000Z',
        '',
        `${V1},`,
      ]) {
        expectError(await get(`match[version]=${bad}`), 400)
      }
    })

    it('T-120 equality ignores precision and echoes the version as stored', async () => {
      for (const q of ['2025-07-14T09:30:01.12Z', '2025-07-14T09:30:01.120000Z', F_VERSION]) {
        const res = await get(`match[id]=${F}&match[version]=${q}`)
        expect(versionsOf(res), q).toEqual([[F, F_VERSION]])
        const manifest = await get(`match[id]=${F}&match[version]=${q}`, MANIFEST)
        expect(manifest.json.objects[0].version).toBe(F_VERSION)
      }
      const ms = await get(`match[id]=${G}&match[version]=2025-07-14T09:30:00.123Z`)
      expect(ms.text).toBe('{}')
      const us = await get(`match[id]=${G}&match[version]=2025-07-14T09:30:00.123456000Z`)
      expect(versionsOf(us)).toEqual([[G, G_VERSION]])
    })

    it('T-120 whole seconds equal .000 and .000000', async () => {
      for (const q of ['2025-07-14T11:00:00Z', '2025-07-14T11:00:00.000000Z', V3]) {
        expect(versionsOf(await get(`match[id]=${A}&match[version]=${q}`)), q).toEqual([[A, V3]])
      }
    })

    it('T-121 a marking-definition is versioned by created', async () => {
      const res = await get(`match[id]=${M}&match[version]=2025-07-14T09:30:00Z`)
      expect(ids(res)).toEqual([M])
    })

    it('T-121 an SCO without created/modified is versioned by its date_added', async () => {
      const t = added(C)
      expect(records.find((r) => r.id === C)!.version).toBe(t)
      expect(ids(await get(`match[id]=${C}&match[version]=${t}`))).toEqual([C])
      expect(ids(await get(`match[id]=${C}&match[version]=first`))).toEqual([C])
    })
  })

  describe('T-122 match[spec_version]', () => {
    it('T-122 without it, only the latest spec version of each object (even if older by version)', async () => {
      expect(versionsOf(await get(`match[id]=${D}&match[version]=all`))).toEqual([[D, V2]])
      expect(versionsOf(await get(`match[id]=${E}&match[version]=all`))).toEqual([
        [E, '2025-07-14T09:00:00.000Z'],
      ])
    })

    it('T-122 with it, only the listed spec versions', async () => {
      const old = await get(`match[id]=${D}&match[spec_version]=2.0`)
      expect(versionsOf(old)).toEqual([[D, '2025-07-14T09:00:00.000Z']])
      expect(old.json.objects[0].spec_version).toBeUndefined()
      const both = await get(`match[id]=${D}&match[spec_version]=2.0,2.1&match[version]=all`)
      expect(versionsOf(both)).toEqual([
        [D, '2025-07-14T09:00:00.000Z'],
        [D, V2],
      ])
    })

    it('T-122 T-123 the default spec-version filter applies before version selection', async () => {
      // E's 2.0 version has the larger version value, yet last picks among 2.1 records
      expect(versionsOf(await get(`match[id]=${E}&match[version]=last`))).toEqual([
        [E, '2025-07-14T09:00:00.000Z'],
      ])
      const across = await get(`match[id]=${E}&match[spec_version]=2.0,2.1&match[version]=last`)
      expect(versionsOf(across)).toEqual([[E, V3]])
    })

    it('T-122 a version the hub does not store matches nothing; malformed items are 400', async () => {
      expect((await get('match[spec_version]=2.2')).text).toBe('{}')
      expect((await get('match[spec_version]=10.0')).text).toBe('{}')
      for (const bad of ['2', 'v2.1', '2.1.0', '2.x', '2.1,', '']) {
        expectError(await get(`match[spec_version]=${bad}`), 400)
      }
    })
  })

  describe('T-123 P-4 evaluation order', () => {
    it('T-123 P-4 first/last are chosen among the records that pass added_after', async () => {
      // A's date_added order is V2, V3, V1
      const afterV3 = added(A, V3)
      expect(versionsOf(await get(`match[id]=${A}&added_after=${afterV3}`))).toEqual([[A, V1]])
      expect(
        versionsOf(await get(`match[id]=${A}&added_after=${afterV3}&match[version]=first`)),
      ).toEqual([[A, V1]])
      const afterV2 = added(A, V2)
      expect(versionsOf(await get(`match[id]=${A}&added_after=${afterV2}`))).toEqual([[A, V3]])
      expect(
        versionsOf(await get(`match[id]=${A}&added_after=${afterV2}&match[version]=first`)),
      ).toEqual([[A, V1]])
    })

    it('T-123 a specific version filtered out by added_after is not returned', async () => {
      const res = await get(`match[id]=${A}&added_after=${added(A, V3)}&match[version]=${V2}`)
      expect(res.text).toBe('{}')
    })
  })

  describe('T-154 representation', () => {
    it('T-154 objects come back byte for byte as posted (spacing, key order, escapes, raw UTF-8)', async () => {
      const id = stixId('indicator', 40, SALT)
      const text = `{ "name" : "caf\\u00e9 \\/ x", "description": "café Ω 東京 🐍 \\\\",\n  "type":"indicator","spec_version":"2.1","id":"${id}","created":"2025-07-14T09:30:00.000Z","modified":"2025-07-14T09:30:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.0/24']","pattern_type":"stix","valid_from":"2025-07-14T09:30:00Z" }`
      const res = await hub.request(OBJECTS, { token, body: `{"objects":[${text}]}` })
      expect(res.json.success_count).toBe(1)
      const got = await get(`match[id]=${id}`)
      expect(got.text).toBe(`{"more":false,"objects":[${text}]}`)
    })
  })
})
