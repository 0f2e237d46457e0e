/**
 * The requests real clients send, reproduced byte for byte where it matters
 * (/work/shared/reference/client-behaviours.md): the OASIS taxii2-client 2.3, curl, and the
 * habits of SIEM and threat-intel platforms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { addCollection, expectError, ind, post, raw, sleep, stixId, TAXII } from './conformance.js'

const SALT = 0xcb
const C = 'distillation-indicators'
const TOTAL = 7

/** The four TLP 1.0 marking-definitions as the STIX 2.1 standard (§7.2.1.4) defines them. */
const TLP1 = [
  ['613f2e26-407d-48c7-9eca-b8e91df99dc9', 'white'],
  ['34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green'],
  ['f88d31f6-486f-44da-b317-01333bde0b82', 'amber'],
  ['5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red'],
].map(([uuid, level]) => ({
  type: 'marking-definition',
  spec_version: '2.1',
  id: `marking-definition--${uuid}`,
  created: '2017-01-20T00:00:00.000Z',
  definition_type: 'tlp',
  name: `TLP:${level!.toUpperCase()}`,
  definition: { tlp: level },
}))

/** The five TLP 2.0 marking-definitions of the OASIS common-objects extension. */
const TLP2 = [
  ['94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'],
  ['bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'],
  ['55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'],
  ['939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'],
  ['e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'],
].map(([uuid, level]) => ({
  type: 'marking-definition',
  spec_version: '2.1',
  id: `marking-definition--${uuid}`,
  created: '2022-10-01T00:00:00.000Z',
  name: `TLP:${level!.toUpperCase()}`,
  extensions: {
    'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': {
      extension_type: 'property-extension',
      tlp_2_0: level,
    },
  },
}))

/** Python's json.dumps default separators: `, ` and `: `. */
function pythonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonDumps(v)}`)
    return `{${members.join(', ')}}`
  }
  return JSON.stringify(value)
}

/** requests' query encoding: application/x-www-form-urlencoded, brackets and commas escaped. */
const encodeParams = (params: Record<string, string | number>) =>
  Object.entries(params)
    .map(
      ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v)).replace(/%20/g, '+')}`,
    )
    .join('&')

/** The Content-Type check taxii2client.common._HTTPConnection.valid_content_type makes. */
function validContentType(contentType: string | null, accept: string): boolean {
  if (contentType === null) return false
  const acceptTokens = accept.replace(/ /g, '').split(';')
  const tokens = contentType.replace(/ /g, '').split(';')
  return acceptTokens.every((t) => tokens.includes(t)) && tokens[0] === 'application/taxii+json'
}

/**
 * Polls `alias` by `added_after` as platforms that cut X-TAXII-Date-Added-Last to milliseconds do,
 * `limit` at a time, and returns the ids received; fails if the cursor stops moving.
 */
async function pollTruncating(
  hub: TestHub,
  token: string,
  alias: string,
  limit: number,
): Promise<string[]> {
  const seen = new Set<string>()
  let cursor = '2000-01-01T00:00:00.000Z'
  for (let polls = 0; ; polls++) {
    expect(polls).toBeLessThan(20)
    const res = await hub.request(
      `/hub/collections/${alias}/objects/?limit=${limit}&added_after=${cursor}`,
      { token },
    )
    for (const id of (res.json.objects ?? []).map((o: any) => o.id)) seen.add(id)
    if (res.json.more !== true) return [...seen].sort()
    const truncated = `${res.headers.get('x-taxii-date-added-last')!.slice(0, 23)}Z`
    expect(truncated).not.toBe(cursor)
    cursor = truncated
  }
}

describe.each(DIALECTS)('real clients (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let ids: string[]

  /** taxii2client's _HTTPConnection: a requests.Session with Basic or Token auth. */
  function taxii2client(auth: { user: string; password: string } | { token: string } | null) {
    const base: Record<string, string> = {
      'User-Agent': 'taxii2-client/2.3.0',
      'Accept-Encoding': 'gzip, deflate',
      Connection: 'keep-alive',
    }
    if (auth !== null && 'token' in auth) base.Authorization = `Token ${auth.token}`
    // requests sends Basic only when both user and password are non-empty
    else if (auth !== null && auth.user !== '' && auth.password !== '') {
      base.Authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`
    }
    return {
      async get(url: string, params?: Record<string, string | number>) {
        const query = params === undefined ? '' : `?${encodeParams(params)}`
        const res = await fetch(`${url}${query}`, { headers: { ...base, Accept: TAXII } })
        const text = await res.text()
        if (res.ok) {
          expect(validContentType(res.headers.get('content-type'), TAXII), url).toBe(true)
        }
        return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
      },
      async post(url: string, envelope: unknown) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { ...base, Accept: TAXII, 'Content-Type': TAXII },
          body: Buffer.from(pythonDumps(envelope), 'utf8'),
        })
        return { status: res.status, json: JSON.parse(await res.text()) }
      },
    }
  }

  /** taxii2client.v21.as_pages over Collection.get_objects (or get_manifest). */
  async function asPages(
    conn: ReturnType<typeof taxii2client>,
    url: string,
    perRequest: number,
    filters: Record<string, string> = {},
  ) {
    const requests: Record<string, string | number>[] = []
    const call = async (params: Record<string, string | number>) => {
      requests.push(params)
      const res = await conn.get(url, params)
      expect(res.status).toBe(200)
      return res.json
    }
    // _filter_kwargs_to_query_params drops falsy values: limit=0 and next='' are not sent
    const params = (next?: string) => ({
      ...filters,
      ...(perRequest !== 0 && { limit: perRequest }),
      ...(next !== undefined && next !== '' && { next }),
    })
    const pages = []
    let envelope = await call(params())
    pages.push(envelope)
    const obtained = (envelope.objects ?? []).length
    if (envelope.more === true && obtained !== perRequest) perRequest = obtained
    while (envelope.more === true) {
      // a hub that answered more:true without next would restart from page one here
      expect(envelope.next).toEqual(expect.any(String))
      envelope = await call(params(envelope.next ?? ''))
      pages.push(envelope)
    }
    return { pages, requests }
  }

  beforeAll(async () => {
    hub = await startTestHub(dialect, { HYDRAWATCH_MAX_PAGE_SIZE: '3' })
    token = await hub.token({ sub: 'partner-lab', read: ['*'], write: ['*'] })
    ids = Array.from({ length: TOTAL }, (_, i) => stixId('indicator', i + 1, SALT))
    for (let i = 0; i < TOTAL; i += 2) {
      await post(
        hub,
        token,
        C,
        ids.slice(i, i + 2).map((id) => ind(id)),
      )
    }
  })
  afterAll(() => hub.close())

  describe('OASIS taxii2-client 2.3', () => {
    it('T-038 T-021 T-098 walks discovery → API root → collections with user+password Basic', async () => {
      const conn = taxii2client({ user: 'partner-lab', password: token })
      const discovery = await conn.get(`${hub.url}/taxii2/`)
      expect(discovery.status).toBe(200)
      const rootUrl = new URL(discovery.json.default, `${hub.url}/taxii2/`).href
      const root = await conn.get(rootUrl)
      expect(root.json.versions).toContain(TAXII)
      const collections = await conn.get(`${rootUrl}collections/`)
      const c = collections.json.collections.find((x: any) => x.alias === C)
      // the client refuses to read or write unless these flags say it may
      expect(c).toMatchObject({ can_read: true, can_write: true })
      const one = await conn.get(`${rootUrl}collections/${c.id}/`)
      expect(one.json.id).toBe(c.id)
    })

    it('T-038 the Token scheme of its token mode', async () => {
      const conn = taxii2client({ token })
      const res = await conn.get(`${hub.url}/hub/collections/`)
      expect(res.status).toBe(200)
    })

    it('T-038 T-036 a key in the username with an empty password arrives without credentials: 401 with a Basic challenge', async () => {
      const conn = taxii2client({ user: token, password: '' })
      const res = await conn.get(`${hub.url}/hub/collections/`)
      expect(res.status).toBe(401)
      const again = await hub.request('/hub/collections/')
      expect(again.headers.get('www-authenticate')).toContain('Basic realm="taxii"')
    })

    it('T-098 can_read/can_write reflect the effective rights the client checks locally', async () => {
      const reader = await hub.token({ read: ['*'] })
      const conn = taxii2client({ user: 'partner-lab', password: reader })
      const res = await conn.get(`${hub.url}/hub/collections/${C}/`)
      expect(res.json).toMatchObject({ can_read: true, can_write: false })
    })

    it('T-129 T-211 as_pages: limit, then limit+next, lowered to the first page size, every object once', async () => {
      const conn = taxii2client({ user: 'partner-lab', password: token })
      const url = `${hub.url}/hub/collections/${hub.collection.id}/objects/`
      const { pages, requests } = await asPages(conn, url, 1000)
      const seen = pages.flatMap((p) => (p.objects ?? []).map((o: any) => o.id))
      expect(seen).toEqual(ids)
      expect(requests[0]).toEqual({ limit: 1000 })
      expect(requests[1]).toEqual({ limit: 3, next: expect.any(String) })
      expect(pages[pages.length - 1].more).toBe(false)
    })

    it('T-129 as_pages with per_request=0 sends no limit at all', async () => {
      const conn = taxii2client({ user: 'partner-lab', password: token })
      const url = `${hub.url}/hub/collections/${C}/objects/`
      const { pages, requests } = await asPages(conn, url, 0)
      expect(requests[0]).toEqual({})
      expect(pages.flatMap((p) => (p.objects ?? []).map((o: any) => o.id))).toEqual(ids)
    })

    it('T-102 T-111 T-116 its filters: encoded brackets, comma lists, millisecond timestamps', async () => {
      const conn = taxii2client({ user: 'partner-lab', password: token })
      const url = `${hub.url}/hub/collections/${C}/manifest/`
      const records: any[] = []
      let page = await conn.get(url, { 'match[version]': 'all' })
      records.push(...page.json.objects)
      while (page.json.more === true) {
        page = await conn.get(url, { 'match[version]': 'all', next: page.json.next })
        records.push(...page.json.objects)
      }
      // STIX timestamp at millisecond precision, floored
      const ms = `${records[1].date_added.slice(0, 23)}Z`
      const { pages } = await asPages(conn, url, 2, {
        'match[type]': 'indicator,infrastructure',
        added_after: ms,
        'match[version]': '2025-07-14T09:30:00.000Z',
      })
      const seen = pages.flatMap((p) => (p.objects ?? []).map((o: any) => o.id))
      const expected = records.filter((r) => r.date_added > `${ms.slice(0, 23)}000Z`)
      expect(expected.length).toBeGreaterThan(1)
      expect(seen).toEqual(expected.map((r) => r.id))
    })

    it('T-161 T-162 T-165 T-088 T-007 add_objects: python-formatted envelope, then status polled at its slash-less URL', async () => {
      const conn = taxii2client({ user: 'partner-lab', password: token })
      const collectionUrl = `${hub.url}/hub/collections/${hub.collection.id}/`
      const id = stixId('indicator', 100, SALT)
      const posted = await conn.post(`${collectionUrl}objects/`, { objects: [ind(id)] })
      expect(posted.status).toBe(202)
      const statusUrl = new URL(`../../status/${posted.json.id}`, collectionUrl).href
      expect(statusUrl.endsWith('/')).toBe(false)
      const status = await conn.get(statusUrl)
      expect(status.status).toBe(200)
      expect(status.json).toMatchObject({
        id: posted.json.id,
        status: 'complete',
        success_count: 1,
      })
      // Status._validate_status
      const s = status.json
      expect(s.success_count + s.pending_count + s.failure_count).toBe(s.total_count)
      const stored = await conn.get(`${collectionUrl}objects/${id}/`)
      expect(stored.json.objects[0]).toEqual(ind(id))
    })

    it('T-137 re-posting the TLP marking-definitions every bundle carries counts as success', async () => {
      const conn = taxii2client({ user: 'partner-lab', password: token })
      const url = `${hub.url}/hub/collections/${C}/objects/`
      for (let round = 0; round < 3; round++) {
        const indicator = ind(stixId('indicator', 200 + round, SALT), undefined, {
          object_marking_refs: [TLP2[1]!.id],
        })
        const res = await conn.post(url, { objects: [...TLP1, ...TLP2, indicator] })
        expect(res.status).toBe(202)
        expect(res.json).toMatchObject({ total_count: 10, success_count: 10, failure_count: 0 })
      }
      const manifest = await conn.get(`${hub.url}/hub/collections/${C}/manifest/`, {
        'match[type]': 'marking-definition',
        'match[version]': 'all',
      })
      expect(manifest.json.objects).toHaveLength(3)
      expect(manifest.json.more).toBe(true)
    })

    it('T-171 T-137 the TLP objects count as success for a writer bound to an identity', async () => {
      const bound = await hub.token({
        sub: 'partner-lab',
        write: ['*'],
        identities: [stixId('identity', 1, SALT)],
      })
      const conn = taxii2client({ user: 'partner-lab', password: bound })
      const res = await conn.post(`${hub.url}/hub/collections/${C}/objects/`, {
        objects: [...TLP1, ...TLP2],
      })
      expect(res.json).toMatchObject({ success_count: 9, failure_count: 0 })
    })
  })

  describe('curl and scripts', () => {
    const curl = (path: string, headers: Record<string, string> = {}) =>
      raw(hub, path, {
        headers: {
          host: new URL(hub.url).host,
          'user-agent': 'curl/8.5.0',
          accept: '*/*',
          authorization: `Bearer ${token}`,
          ...headers,
        },
      })

    it('T-025 P-2 curl URL (Accept: */*) is served as TAXII 2.1', async () => {
      const res = await curl(`/hub/collections/${C}/objects/`)
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(JSON.parse(res.text).objects).toHaveLength(3)
    })

    it('T-128 a next pasted into the URL unencoded continues the listing', async () => {
      const first = JSON.parse((await curl(`/hub/collections/${C}/objects/?limit=2`)).text)
      const res = await curl(`/hub/collections/${C}/objects/?limit=2&next=${first.next}`)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.text).objects.map((o: any) => o.id)).toEqual(ids.slice(2, 4))
    })

    it('T-029 curl --data without -H Content-Type is refused with 415 and a hint', async () => {
      const res = await raw(hub, `/hub/collections/${C}/objects/`, {
        method: 'POST',
        headers: {
          accept: '*/*',
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: JSON.stringify({ objects: [ind(stixId('indicator', 300, SALT))] }),
      })
      expect(res.status).toBe(415)
      expect(JSON.parse(res.text).description).toContain('application/taxii+json;version=2.1')
    })

    it('T-038 curl -u lab:TOKEN (Basic, token as password)', async () => {
      const res = await curl('/hub/collections/', {
        authorization: `Basic ${Buffer.from(`lab:${token}`).toString('base64')}`,
      })
      expect(res.status).toBe(200)
    })

    it('T-038 curl -u TOKEN: (Basic, token as username, empty password)', async () => {
      const res = await curl('/hub/collections/', {
        authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}`,
      })
      expect(res.status).toBe(200)
    })
  })

  describe('SIEM and threat-intel platforms', () => {
    it('T-105 T-129 page sizes from 100 to 15,000 are served with the cap, more and next', async () => {
      for (const limit of [100, 1000, 5000, 15000]) {
        const res = await hub.request(`/hub/collections/${C}/objects/?limit=${limit}`, { token })
        expect(res.status).toBe(200)
        expect(res.json.objects).toHaveLength(3)
        expect(res.json).toMatchObject({ more: true, next: expect.any(String) })
      }
    })

    it('T-102 added_after with 0, 3 or 6 digits, or an offset, gives the same answer for the same instant', async () => {
      const manifest = await hub.request(
        `/hub/collections/${C}/manifest/?match[version]=all&limit=3`,
        {
          token,
        },
      )
      const t: string = manifest.json.objects[1].date_added
      const whole = `${t.slice(0, 19)}Z`
      const local = new Date(Date.parse(whole) - 4 * 3600_000).toISOString().slice(0, 19)
      const variants = [
        whole,
        `${t.slice(0, 19)}.000Z`,
        `${t.slice(0, 19)}.000000Z`,
        `${local}-04:00`,
        `${local}.000-04:00`,
      ]
      const bodies = new Set<string>()
      for (const v of variants) {
        const res = await hub.request(
          `/hub/collections/${C}/manifest/?match[version]=all&added_after=${encodeURIComponent(v)}`,
          { token },
        )
        expect(res.status, v).toBe(200)
        // next carries its issue time, so two requests a second apart differ only there
        const { next, ...page } = res.json
        expect(typeof next).toBe('string')
        bodies.add(JSON.stringify(page))
      }
      expect(bodies.size).toBe(1)
    })

    it('T-134 a client truncating X-TAXII-Date-Added-Last to milliseconds still gets everything', async () => {
      // records a millisecond or more apart, as separate posts are: the truncated cursor re-reads
      // the last record of each page but moves on
      await addCollection(hub, { alias: 'platform-feed', title: 'Platform feed' })
      const feed = Array.from({ length: 6 }, (_, i) => stixId('indicator', 400 + i, SALT))
      for (const id of feed) {
        await post(hub, token, 'platform-feed', [ind(id)])
        await sleep(2)
      }
      expect(await pollTruncating(hub, token, 'platform-feed', 3)).toEqual([...feed].sort())
    })

    it('T-106 T-211 a client that trusts limit never gets more than it asked for', async () => {
      for (const limit of [1, 2, 3]) {
        const res = await hub.request(`/hub/collections/${C}/objects/?limit=${limit}`, { token })
        expect(res.json.objects.length).toBeLessThanOrEqual(limit)
      }
    })

    it('T-037 T-038 a Sentinel-style connector: Basic with organisation name and token', async () => {
      const basic = `Basic ${Buffer.from(`Contoso Labs:${token}`).toString('base64')}`
      const root = await hub.request('/hub/', { headers: { authorization: basic } })
      expect(root.status).toBe(200)
      const objects = await hub.request(
        `/hub/collections/${hub.collection.id}/objects/?added_after=2025-06-14T00:00:00Z`,
        {
          headers: { authorization: basic },
        },
      )
      expect(objects.status).toBe(200)
      const wrong = await hub.request('/hub/', {
        headers: {
          authorization: `Basic ${Buffer.from('Contoso Labs:hunter2').toString('base64')}`,
        },
      })
      expectError(wrong, 401)
    })
  })
})

describe.each(DIALECTS)(
  'platforms truncating date_added, with the default page cap (%s)',
  (dialect) => {
    let hub: TestHub
    let token: string
    beforeAll(async () => {
      hub = await startTestHub(dialect)
      token = await hub.token({ read: ['*'], write: ['*'] })
    })
    afterAll(() => hub.close())

    it('T-134 a client truncating X-TAXII-Date-Added-Last to milliseconds gets a large post in pages of 100', async () => {
      // one post's records are stamped 20 µs apart, so a millisecond holds at most 50 of them and a
      // page of 100 always ends past the millisecond its truncated cursor names (1 µs apart, they
      // shared a millisecond, and the client was sent the same page forever)
      await addCollection(hub, { alias: 'platform-bulk', title: 'Platform bulk' })
      const bulk = Array.from({ length: 300 }, (_, i) => stixId('indicator', 500 + i, SALT))
      await post(
        hub,
        token,
        'platform-bulk',
        bulk.map((id) => ind(id)),
      )
      expect(await pollTruncating(hub, token, 'platform-bulk', 100)).toEqual([...bulk].sort())
    })
  },
)
