import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueToken } from '../../../src/auth/tokens.js'
import { filterFingerprint, parseFilters } from '../../../src/http/filters.js'
import { encodeNext } from '../../../src/http/next-token.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  expectError,
  ind,
  objectsPath,
  post,
  restartableHub,
  stixId,
  TAXII,
  TAXII_TIMESTAMP,
} from './conformance.js'

const SALT = 0x9a
const CAP = 5
const TOTAL = 12
const C = 'distillation-indicators'
const OBJECTS = objectsPath(C)
const MANIFEST = `/hub/collections/${C}/manifest/`
const NEXT = /^[A-Za-z0-9_-]+$/

const ids = (res: { json: any }): string[] => (res.json.objects ?? []).map((o: any) => o.id)

describe.each(DIALECTS)('pagination with a page cap (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let all: string[]
  const get = (query: string, path = OBJECTS, t = token) =>
    hub.request(`${path}?${query}`, { token: t })

  beforeAll(async () => {
    hub = await startTestHub(dialect, { HYDRAWATCH_MAX_PAGE_SIZE: String(CAP) })
    token = await hub.token({ sub: 'pager', read: ['*'], write: ['*'] })
    all = Array.from({ length: TOTAL }, (_, i) => stixId('indicator', i + 1, SALT))
    // several envelopes, so date_added order is envelope order
    await post(
      hub,
      token,
      C,
      all.slice(0, 4).map((id) => ind(id)),
    )
    await post(
      hub,
      token,
      C,
      all.slice(4, 9).map((id) => ind(id)),
    )
    await post(
      hub,
      token,
      C,
      all.slice(9).map((id) => ind(id)),
    )
  })
  afterAll(() => hub.close())

  it('T-129 T-108 without limit, or with a larger one, the server cap applies', async () => {
    for (const q of ['', 'limit=100', 'limit=9007199254740991']) {
      const res = await get(q)
      expect(res.status, q).toBe(200)
      expect(ids(res), q).toEqual(all.slice(0, CAP))
      expect(res.json.more).toBe(true)
    }
  })

  it('T-105 T-106 T-107 a limit below the cap is honoured exactly', async () => {
    expect(ids(await get('limit=1'))).toEqual(all.slice(0, 1))
    expect(ids(await get('limit=3'))).toEqual(all.slice(0, 3))
    const few = await get(`match[id]=${all[0]},${all[1]}&limit=3`)
    expect(few.json).toMatchObject({ more: false })
    expect(ids(few)).toEqual(all.slice(0, 2))
  })

  it('T-105 T-010 a malformed or repeated limit is 400', async () => {
    for (const q of [
      'limit=0',
      'limit=-1',
      'limit=1.5',
      'limit=abc',
      'limit=',
      'limit=1e3',
      'limit=0x10',
      'limit=9007199254740992',
      'limit=%2B5',
      'limit=2&limit=3',
    ]) {
      expectError(await get(q), 400, 'TAXII_ERR_BAD_QUERY')
    }
  })

  it('T-127 T-129 pages carry more and next; the last page has more:false and no next', async () => {
    const seen: string[] = []
    let res = await get('limit=4')
    const pages = [res]
    while (res.json.more) {
      expect(res.json.next).toMatch(NEXT)
      res = await get(`limit=4&next=${res.json.next}`)
      pages.push(res)
    }
    for (const p of pages) seen.push(...ids(p))
    expect(seen).toEqual(all)
    expect(pages).toHaveLength(3)
    const last = pages[pages.length - 1]!
    expect(Object.keys(last.json)).toEqual(['more', 'objects'])
    expect(last.json.more).toBe(false)
  })

  it('T-129 T-131 a page that exactly exhausts the records says more:false (no empty page follows)', async () => {
    const first = await get(`match[id]=${all.slice(0, 4).join(',')}&limit=2`)
    const second = await get(
      `match[id]=${all.slice(0, 4).join(',')}&limit=2&next=${first.json.next}`,
    )
    expect(second.json.more).toBe(false)
    expect(second.json.next).toBeUndefined()
    expect(ids(second)).toEqual(all.slice(2, 4))
  })

  it('T-132 the date headers are the first and last date_added of each page', async () => {
    const manifest = await get('limit=5', MANIFEST)
    const page = await get('limit=5')
    expect(page.headers.get('x-taxii-date-added-first')).toBe(manifest.json.objects[0].date_added)
    expect(page.headers.get('x-taxii-date-added-last')).toBe(manifest.json.objects[4].date_added)
    const next = await get(`limit=5&next=${page.json.next}`)
    expect(
      next.headers.get('x-taxii-date-added-first')! > page.headers.get('x-taxii-date-added-last')!,
    ).toBe(true)
    expect(next.headers.get('x-taxii-date-added-first')).toMatch(TAXII_TIMESTAMP)
  })

  it('T-132 the date headers are sent by the four listing endpoints only', async () => {
    const posted = await hub.request(OBJECTS, {
      token,
      body: { objects: [ind(stixId('indicator', 50, SALT))] },
    })
    const others = [
      posted,
      await hub.request('/taxii2/'),
      await hub.request('/hub/', { token }),
      await hub.request('/hub/collections/', { token }),
      await hub.request(`/hub/collections/${C}/`, { token }),
      await hub.request(`/hub/status/${posted.json.id}/`, { token }),
    ]
    for (const res of others) {
      expect(res.status).toBeLessThan(300)
      expect(res.headers.get('x-taxii-date-added-first')).toBeNull()
      expect(res.headers.get('x-taxii-date-added-last')).toBeNull()
    }
    const id = stixId('indicator', 50, SALT)
    await hub.request(`${OBJECTS}${id}/`, { token, method: 'DELETE' })
  })

  it('T-130 T-134 paging by added_after = X-TAXII-Date-Added-Last loses and repeats nothing', async () => {
    const seen: string[] = []
    let res = await get('limit=2')
    seen.push(...ids(res))
    while (res.json.more) {
      res = await get(`limit=2&added_after=${res.headers.get('x-taxii-date-added-last')}`)
      seen.push(...ids(res))
    }
    expect(seen).toEqual(all)
  })

  it('T-128 T-109 next keeps the original added_after and filters', async () => {
    const manifest = await get('limit=5', MANIFEST)
    const t = manifest.json.objects[1].date_added
    const first = await get(`added_after=${t}&limit=3`)
    expect(ids(first)).toEqual(all.slice(2, 5))
    const second = await get(`added_after=${t}&limit=3&next=${first.json.next}`)
    expect(ids(second)).toEqual(all.slice(5, 8))
  })

  it('T-128 next is URL-safe: pasted unencoded it works', async () => {
    const first = await get('limit=2')
    expect(first.json.next).toMatch(NEXT)
    const res = await hub.request(`${OBJECTS}?next=${first.json.next}&limit=2`, { token })
    expect(ids(res)).toEqual(all.slice(2, 4))
  })

  it('T-128 T-050 next with different filters is 400 TAXII_ERR_BAD_NEXT', async () => {
    const first = await get('limit=2&match[type]=indicator')
    const next = first.json.next
    expectError(await get(`limit=2&next=${next}`), 400, 'TAXII_ERR_BAD_NEXT')
    expectError(
      await get(`limit=2&match[type]=indicator,malware&next=${next}`),
      400,
      'TAXII_ERR_BAD_NEXT',
    )
    expectError(
      await get(`limit=2&match[type]=indicator&added_after=2020-01-01T00:00:00Z&next=${next}`),
      400,
    )
    expectError(await get(`limit=2&match[type]=indicator&match[version]=all&next=${next}`), 400)
    // only limit may change between pages
    expect(ids(await get(`limit=3&match[type]=indicator&next=${next}`))).toEqual(all.slice(2, 5))
    // an equivalent spelling of the same filters is the same query
    expect((await get(`limit=2&match[type]=indicator,indicator&next=${next}`)).status).toBe(200)
  })

  it('T-128 T-050 next is bound to the endpoint, the collection and the object', async () => {
    const page = await get('limit=2')
    expectError(await get(`limit=2&next=${page.json.next}`, MANIFEST), 400, 'TAXII_ERR_BAD_NEXT')
    await addCollection(hub, { alias: 'elsewhere', title: 'Elsewhere' })
    expectError(await get(`limit=2&next=${page.json.next}`, objectsPath('elsewhere')), 400)
    const versions = await get('limit=1', `${OBJECTS}${all[0]}/versions/`)
    expect(versions.json.more).toBe(false)
    expectError(await get(`next=${page.json.next}`, `${OBJECTS}${all[0]}/`), 400)
  })

  it('T-128 T-050 next is bound to the subject, not to the token', async () => {
    const page = await get('limit=2')
    const refreshed = await hub.token({ sub: 'pager', read: ['*'] })
    expect(ids(await get(`limit=2&next=${page.json.next}`, OBJECTS, refreshed))).toEqual(
      all.slice(2, 4),
    )
    const stranger = await hub.token({ sub: 'someone-else', read: ['*'] })
    expectError(
      await get(`limit=2&next=${page.json.next}`, OBJECTS, stranger),
      400,
      'TAXII_ERR_BAD_NEXT',
    )
  })

  it('T-050 T-128 a next never outlives the read right', async () => {
    const page = await get('limit=2')
    const writeOnly = await hub.token({ sub: 'pager', write: ['*'] })
    expectError(await get(`limit=2&next=${page.json.next}`, OBJECTS, writeOnly), 403)
    const hidden = await hub.token({ sub: 'pager', read: ['elsewhere'] })
    expectError(await get(`limit=2&next=${page.json.next}`, OBJECTS, hidden), 404)
  })

  it('T-128 a tampered, truncated or invented next is 400', async () => {
    const next: string = (await get('limit=2')).json.next
    const flip = (s: string, i: number) =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    for (const bad of [
      flip(next, 3),
      flip(next, Math.floor(next.length / 2)),
      flip(next, next.length - 2),
      next.slice(0, -4),
      next.slice(4),
      `${next}AAAA`,
      'AAAA',
      'x',
      Buffer.from('{"b":"x","d":"2020-01-01T00:00:00.000000Z","p":"1","t":1}').toString(
        'base64url',
      ),
    ]) {
      expectError(await get(`limit=2&next=${bad}`), 400)
    }
    for (const bad of ['a+b', 'a%2Fb', 'a=', 'a.b', '']) {
      expectError(await get(`limit=2&next=${bad}`), 400)
    }
  })

  it('T-109 next given twice is 400', async () => {
    const next = (await get('limit=2')).json.next
    expectError(await get(`limit=2&next=${next}&next=${next}`), 400)
  })

  it('T-128 a next is valid for at least 7 days, not forever', async () => {
    const keys = hub.server.deps.keys
    const binding = {
      endpoint: 'objects',
      apiRoot: 'hub',
      collection: hub.collection.id,
      filters: filterFingerprint('objects', parseFilters('objects', {})),
      sub: 'pager',
    }
    const manifest = await get('limit=2', MANIFEST)
    const second = (
      await hub.server.deps.store.listManifest(
        {
          collection_pk: hub.collection.pk,
          match_version: { all: false, first: false, last: true, exact: [] },
        },
        undefined,
        2,
      )
    ).rows[1]!
    expect(second.date_added).toBe(manifest.json.objects[1].date_added)
    const day = 24 * 3600
    const now = Math.floor(Date.now() / 1000)
    const sixDays = encodeNext(keys.cursorSecret, binding, second, now - 6 * day - 3600)
    expect(ids(await get(`limit=2&next=${sixDays}`))).toEqual(all.slice(2, 4))
    const eightDays = encodeNext(keys.cursorSecret, binding, second, now - 8 * day)
    expectError(await get(`limit=2&next=${eightDays}`), 400, 'TAXII_ERR_BAD_NEXT')
  })

  it('T-129 T-133 P-7 an empty result is {} with no more, next or date headers', async () => {
    const res = await get('match[type]=campaign&limit=2')
    expect(res.text).toBe('{}')
    expect(res.headers.get('x-taxii-date-added-first')).toBeNull()
    expect(res.headers.get('x-taxii-date-added-last')).toBeNull()
    const manifest = await get('match[type]=campaign', MANIFEST)
    expect(manifest.text).toBe('{}')
  })

  it('T-129 P-6 manifest and versions bodies carry more and next too', async () => {
    const manifest = await get('limit=2', MANIFEST)
    expect(manifest.json).toMatchObject({ more: true, next: expect.stringMatching(NEXT) })
    expect(manifest.json.objects).toHaveLength(2)
    const id = stixId('indicator', 100, SALT)
    for (const v of [
      '2025-07-14T09:30:00.000Z',
      '2025-07-14T10:00:00.000Z',
      '2025-07-14T11:00:00.000Z',
    ]) {
      await post(hub, token, 'elsewhere', [ind(id, v)])
    }
    const versions = await get('limit=2', `${objectsPath('elsewhere')}${id}/versions/`)
    expect(versions.json).toEqual({
      more: true,
      next: expect.stringMatching(NEXT),
      versions: ['2025-07-14T09:30:00.000Z', '2025-07-14T10:00:00.000Z'],
    })
  })

  it('T-131 records deleted between pages may leave more:true followed by an empty page', async () => {
    const scratch = await addCollection(hub, { alias: 'scratch', title: 'Scratch' })
    const gone = [stixId('indicator', 200, SALT), stixId('indicator', 201, SALT)]
    await post(hub, token, 'scratch', [
      ind(stixId('indicator', 199, SALT)),
      ...gone.map((id) => ind(id)),
    ])
    const first = await get('limit=1', objectsPath(scratch.id))
    expect(first.json.more).toBe(true)
    for (const id of gone) {
      await hub.request(`${objectsPath('scratch')}${id}/`, { token, method: 'DELETE' })
    }
    const next = await get(`limit=1&next=${first.json.next}`, objectsPath(scratch.id))
    expect(next.status).toBe(200)
    expect(next.text).toBe('{}')
  })
})

describe.each(DIALECTS)('pagination defaults (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    const objects = Array.from({ length: 1001 }, (_, i) => ind(stixId('indicator', i + 1, 0x9b)))
    await post(hub, token, C, objects)
  })
  afterAll(() => hub.close())

  it('T-129 the page size is 100 without limit', async () => {
    const res = await hub.request(OBJECTS, { token })
    expect(res.json.objects).toHaveLength(100)
    expect(res.json.more).toBe(true)
  })

  it('T-129 T-018 the default cap is 1000: a larger limit is served with the cap', async () => {
    const res = await hub.request(`${MANIFEST}?limit=15000`, { token })
    expect(res.status).toBe(200)
    expect(res.json.objects).toHaveLength(1000)
    expect(res.json.more).toBe(true)
    const rest = await hub.request(`${MANIFEST}?limit=15000&next=${res.json.next}`, { token })
    expect(rest.json).toMatchObject({ more: false })
    expect(rest.json.objects).toHaveLength(1)
  })
})

describe.each(DIALECTS)('next across restarts (%s)', (dialect) => {
  // two full hub starts on a persistent database: slower than the rest
  it('T-052 T-128 tokens and next survive a restart on another port', async () => {
    const hub = await restartableHub(dialect)
    try {
      let server = await hub.start()
      const token = await issueToken(server.deps.keys, {
        sub: 'restarter',
        read: ['*'],
        write: ['*'],
        ttlSeconds: 3600,
      })
      const headers = { accept: TAXII, authorization: `Bearer ${token}`, 'content-type': TAXII }
      const objects = [1, 2, 3].map((i) => ind(stixId('indicator', i, 0x9c)))
      const posted = await fetch(`${server.url}${OBJECTS}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ objects }),
      })
      expect(posted.status).toBe(202)
      const first = (await (
        await fetch(`${server.url}${OBJECTS}?limit=2`, { headers })
      ).json()) as any
      const oldUrl = server.url
      server = await hub.restart()
      expect(server.url).not.toBe(oldUrl)
      const res = await fetch(`${server.url}${OBJECTS}?limit=2&next=${first.next}`, { headers })
      expect(res.status).toBe(200)
      const body = (await res.json()) as any
      expect(body.objects.map((o: any) => o.id)).toEqual([objects[2]!.id])
    } finally {
      await hub.stop()
    }
  }, 120_000)
})
