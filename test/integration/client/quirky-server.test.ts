/**
 * The client against the habits of other TAXII 2.1 servers (client-behaviours.md, "the OASIS
 * reference server as a feed"), over real HTTP to the quirky test server.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import {
  StatusExpiredError,
  StatusTimeoutError,
  TaxiiClient,
  TaxiiHttpError,
  TaxiiNetworkError,
  TaxiiProtocolError,
  timestampMinusMicrosecond,
  type ObjectsPage,
  type RetryEvent,
  type TaxiiClientOptions,
} from '../../../src/client/index.js'
import {
  startQuirkyTaxiiServer,
  type QuirkyServerOptions,
  type QuirkyTaxiiServer,
} from '../../helpers/quirky-taxii-server.js'

const FAST = { minDelayMs: 5, maxDelayMs: 50 } satisfies TaxiiClientOptions
const ALL = { match: { version: ['all'] } }

/** `count` indicators; every third one also in a second version. */
function dataset(count: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (let n = 0; n < count; n++) {
    const id = `indicator--00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
    const base = {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: '2025-07-14T09:30:00.000Z',
      modified: '2025-07-14T09:30:00.000Z',
      pattern: `[ipv4-addr:value = '198.51.100.${n}']`,
      pattern_type: 'stix',
      valid_from: '2025-07-14T09:30:00Z',
    }
    out.push(base)
    if (n % 3 === 0) out.push({ ...base, modified: '2025-07-15T10:00:00.000Z', revoked: true })
  }
  return out
}

const key = (o: Record<string, unknown>) => `${String(o.id)}@${String(o.modified)}`

let server: QuirkyTaxiiServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(options: QuirkyServerOptions): Promise<QuirkyTaxiiServer> {
  server = await startQuirkyTaxiiServer(options)
  return server
}

async function collect(pages: AsyncIterable<ObjectsPage>, between?: () => Promise<void>) {
  const list: ObjectsPage[] = []
  for await (const page of pages) {
    list.push(page)
    await between?.()
  }
  return list
}

describe('TaxiiClient.pages() against servers that page differently', () => {
  const modes: [string, QuirkyServerOptions, number | undefined][] = [
    ['pages capped below the limit, with next', { pageCap: 7 }, 50],
    [
      'limit ignored: pages larger than asked (T-211)',
      { ignoreLimit: true, defaultPageSize: 9 },
      4,
    ],
    [
      'paging only by added_after, never next (T-130)',
      { paging: 'added_after-only', pageCap: 5 },
      20,
    ],
    ['more without next (T-130)', { moreWithoutNext: true, pageCap: 6 }, undefined],
    ['500 on next without limit', { failNextWithoutLimit: true, pageCap: 6 }, undefined],
    [
      'millisecond timestamps',
      { millisecondTimestamps: true, paging: 'added_after-only', pageCap: 4 },
      10,
    ],
    [
      'Content-Type with spaces and charset',
      { contentType: 'application/taxii+json; charset=utf-8; version=2.1', pageCap: 8 },
      8,
    ],
    ['date_added ties split across pages, with next', { tieDateAdded: 10, pageCap: 4 }, 4],
    [
      'date_added ties split across pages, added_after only (T-208 overlap)',
      { tieDateAdded: 3, paging: 'added_after-only', pageCap: 4 },
      4,
    ],
  ]

  it.each(modes)(
    'T-208 yields every object version, repeating only those at a page boundary: %s',
    async (_, options, limit) => {
      const s = await start({ ...options, objects: dataset(40) })
      const client = new TaxiiClient(FAST)
      const pages = await collect(
        client.collection(s.apiRootUrl, s.collectionId).pages({ ...ALL, limit }),
      )

      const seen = pages.flatMap((p) => p.objects.map(key))
      // Continuing by added_after overlaps by 1 µs: only records stamped with a page's
      // X-TAXII-Date-Added-Last may come twice; with next, nothing does.
      const boundaries = new Set(pages.map((p) => p.dateAddedLast))
      const addedOf = new Map(s.stored().map((r) => [key(r.object), r.date_added]))
      const repeated = seen.filter((k, i) => seen.indexOf(k) !== i)
      if (pages.every((p) => !p.more || p.next !== undefined)) expect(repeated).toEqual([])
      for (const k of repeated) expect(boundaries.has(addedOf.get(k))).toBe(true)
      expect([...new Set(seen)].sort()).toEqual(
        s
          .stored()
          .map((r) => key(r.object))
          .sort(),
      )
      expect(pages.length).toBeGreaterThan(1)
      expect(pages.at(-1)!.more).toBe(false)
      for (const request of s.requests) {
        if (request.query.has('next'))
          expect(request.query.get('limit'), request.url).not.toBeNull()
      }
    },
  )

  it('T-130 T-208 T-209 continues with added_after = X-TAXII-Date-Added-Last - 1 µs (never the local clock) and the same filters', async () => {
    const s = await start({ paging: 'added_after-only', pageCap: 3, objects: dataset(12) })
    const client = new TaxiiClient(FAST)
    const pages = await collect(
      client.collection(s.apiRootUrl, s.collectionId).pages({ match: { type: ['indicator'] } }),
    )
    const sent = s.requests.map((r) => r.query)
    expect(sent[0]!.get('added_after')).toBeNull()
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i]!.get('added_after')).toBe(
        timestampMinusMicrosecond(pages[i - 1]!.dateAddedLast!),
      )
      expect(sent[i]!.get('match[type]')).toBe('indicator')
      expect(sent[i]!.has('next')).toBe(false)
    }
    // default match[version] is last: one version per id; each page after the first re-reads the
    // previous page's last record
    expect(new Set(pages.flatMap((p) => p.objects.map((o) => o.id))).size).toBe(12)
    expect(pages.flatMap((p) => p.objects)).toHaveLength(12 + pages.length - 1)
  })

  it('T-103 added_after excludes records added at exactly that instant', async () => {
    const s = await start({ objects: dataset(6) })
    const stored = s.stored()
    const cut = stored[3]!.date_added
    const client = new TaxiiClient(FAST)
    const pages = await collect(
      client.collection(s.apiRootUrl, s.collectionId).pages({ ...ALL, added_after: cut }),
    )
    expect(pages.flatMap((p) => p.objects.map(key))).toEqual(
      stored.slice(4).map((r) => key(r.object)),
    )
  })

  it('T-208 restarts an expired next from the last X-TAXII-Date-Added-Last − 1 µs', async () => {
    const s = await start({ tieDateAdded: 3, pageCap: 4, nextExpiresMs: 15, objects: dataset(15) })
    const client = new TaxiiClient(FAST)
    const pages = await collect(
      client.collection(s.apiRootUrl, s.collectionId).pages({ ...ALL, limit: 4 }),
      () => sleep(40),
    )

    const stored = s.stored()
    const seen = pages.flatMap((p) => p.objects.map(key))
    expect(new Set(seen)).toEqual(new Set(stored.map((r) => key(r.object))))
    // the restarts re-read exactly the tails of ties split by a page boundary
    const restarts = s.requests.filter((r) => r.query.has('added_after') && !r.query.has('next'))
    expect(restarts.length).toBeGreaterThan(1)
    const cursors = restarts.map((r) => r.query.get('added_after'))
    expect(cursors).toEqual(
      pages.slice(0, restarts.length).map((p) => timestampMinusMicrosecond(p.dateAddedLast!)),
    )
    const reread = new Set(pages.map((p) => p.dateAddedLast))
    const dupes = seen.filter((k, i) => seen.indexOf(k) !== i)
    expect(dupes.length).toBeGreaterThan(0)
    for (const d of dupes) {
      expect(reread.has(stored.find((r) => key(r.object) === d)!.date_added)).toBe(true)
    }
  })

  it('T-208 gives up with the 400 when a restart makes no progress (a tie longer than a page)', async () => {
    const s = await start({ tieDateAdded: 10, pageCap: 4, nextExpiresMs: 15, objects: dataset(9) })
    const client = new TaxiiClient(FAST)
    const iterate = collect(client.collection(s.apiRootUrl, s.collectionId).pages(ALL), () =>
      sleep(40),
    )
    await expect(iterate).rejects.toMatchObject({ name: 'TaxiiHttpError', status: 400 })
    expect(s.requests.length).toBeLessThan(6)
  })

  it('T-131 stops on more: true with an empty page', async () => {
    const s = await start({ paging: 'added_after-only', pageCap: 2, objects: dataset(4) })
    const client = new TaxiiClient(FAST)
    const collection = client.collection(s.apiRootUrl, s.collectionId)
    const pages: ObjectsPage[] = []
    for await (const page of collection.pages()) {
      pages.push(page)
      // everything else disappears between the two requests
      for (const r of s.stored().slice(2)) {
        await collection.deleteObject(r.id).catch(() => undefined)
      }
    }
    expect(pages.map((p) => [p.objects.length, p.more])).toEqual([
      [2, true],
      [0, false],
    ])
  })

  it('T-211 takes an answer {} as an empty last page', async () => {
    const s = await start({})
    const client = new TaxiiClient(FAST)
    const pages = await collect(client.collection(s.apiRootUrl, s.collectionId).pages())
    expect(pages).toMatchObject([{ objects: [], more: false, body: '{}' }])
  })

  it('T-208 ends when a date_added tie fills a whole page of a server that pages only by added_after', async () => {
    const s = await start({
      paging: 'added_after-only',
      pageCap: 4,
      tieDateAdded: 6,
      objects: dataset(12),
    })
    const client = new TaxiiClient(FAST)
    const pages = await collect(client.collection(s.apiRootUrl, s.collectionId).pages(ALL))
    expect(pages.at(-1)!.more).toBe(false)
    expect(s.requests.length).toBeLessThan(20)
  })

  it('pages manifests the same way', async () => {
    const s = await start({ paging: 'added_after-only', pageCap: 4, objects: dataset(9) })
    const client = new TaxiiClient(FAST)
    const records = []
    for await (const page of client.collection(s.apiRootUrl, s.collectionId).manifest(ALL)) {
      records.push(...page.objects)
    }
    expect([...new Set(records.map((r) => `${r.id}@${r.version}`))]).toEqual(
      s.stored().map((r) => `${r.id}@${r.version}`),
    )
    expect(records[0]!.date_added).toBe(s.stored()[0]!.date_added)
  })
})

describe('TaxiiClient requests', () => {
  it('T-200 T-206 sends Accept and User-Agent on every request, Content-Type on POST, slashed paths', async () => {
    const s = await start({ objects: dataset(2) })
    const client = new TaxiiClient(FAST)
    const version = (
      JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
        version: string
      }
    ).version
    const discovery = await client.discover(s.discoveryUrl.slice(0, -1))
    expect(discovery.api_roots).toEqual([s.apiRootUrl])
    expect(discovery.default).toBe(s.apiRootUrl)
    await client.apiRoot(s.apiRootUrl.slice(0, -1))
    const collection = client.collection(s.apiRootUrl, s.collectionId)
    await collection.addObjects(dataset(1))
    for (const r of s.requests) {
      expect(r.headers.accept).toBe('application/taxii+json;version=2.1')
      expect(r.headers['user-agent']).toBe(`hydrawatch/${version}`)
      expect(new URL(r.url, s.url).pathname.endsWith('/')).toBe(true)
      expect(r.headers.authorization).toBeUndefined()
    }
    const post = s.requests.find((r) => r.method === 'POST')!
    expect(post.headers['content-type']).toBe('application/taxii+json;version=2.1')
  })

  it('T-204 authenticates with HTTP Basic; without credentials gets a 401 TaxiiHttpError', async () => {
    const s = await start({
      basicAuth: { username: 'lab', password: 'pässword' },
      objects: dataset(1),
    })
    const basic = new TaxiiClient({
      ...FAST,
      credentials: { kind: 'basic', username: 'lab', password: 'pässword' },
    })
    expect((await basic.collections(s.apiRootUrl)).map((c) => c.id)).toEqual([s.collectionId])

    const anonymous = new TaxiiClient(FAST)
    const before = s.requests.length
    const err = await anonymous.collections(s.apiRootUrl).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TaxiiHttpError)
    expect(err).toMatchObject({
      status: 401,
      resource: { title: 'Unauthorized', http_status: '401' },
    })
    expect(s.requests.length - before).toBe(1)
  })

  it('refuses a 2xx that is not TAXII JSON with TaxiiProtocolError', async () => {
    const s = await start({ contentType: 'text/html; charset=utf-8' })
    const client = new TaxiiClient(FAST)
    await expect(client.apiRoot(s.apiRootUrl)).rejects.toBeInstanceOf(TaxiiProtocolError)
  })
})

describe('TaxiiClient retries (T-212)', () => {
  it('retries 503 and 429 with Retry-After and a dropped connection, then succeeds', async () => {
    const s = await start({
      objects: dataset(3),
      faults: [
        { request: 1, status: 503, retryAfter: '0' },
        { request: 2, status: 429, retryAfter: '0' },
        { request: 3, destroy: true },
        { request: 4, status: 502 },
      ],
    })
    const events: RetryEvent[] = []
    const client = new TaxiiClient({ ...FAST, onRetry: (e) => events.push(e) })
    const pages = await collect(client.collection(s.apiRootUrl, s.collectionId).pages())
    expect(pages.flatMap((p) => p.objects)).toHaveLength(3)
    expect(
      events.map((e) => [e.attempt, e.reason.startsWith('HTTP') ? e.reason : 'network']),
    ).toEqual([
      [1, 'HTTP 503'],
      [2, 'HTTP 429'],
      [3, 'network'],
      [4, 'HTTP 502'],
    ])
    expect(events.slice(0, 2).map((e) => e.delayMs)).toEqual([0, 0])
    expect(events[2]!.delayMs).toBeLessThanOrEqual(FAST.minDelayMs * 4)
    expect(s.requests).toHaveLength(5)
  })

  it('honours Retry-After in seconds, capped by maxDelayMs', async () => {
    const s = await start({ faults: [{ request: 1, status: 503, retryAfter: '1' }] })
    const events: RetryEvent[] = []
    const started = performance.now()
    await new TaxiiClient({
      minDelayMs: 5,
      maxDelayMs: 5000,
      onRetry: (e) => events.push(e),
    }).apiRoot(s.apiRootUrl)
    expect(events.map((e) => e.delayMs)).toEqual([1000])
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)

    const capped: RetryEvent[] = []
    const s2 = await startQuirkyTaxiiServer({
      faults: [{ request: 1, status: 429, retryAfter: '3600' }],
    })
    try {
      await new TaxiiClient({ ...FAST, onRetry: (e) => capped.push(e) }).apiRoot(s2.apiRootUrl)
    } finally {
      await s2.close()
    }
    expect(capped.map((e) => e.delayMs)).toEqual([FAST.maxDelayMs])
  })

  it('re-POSTs an envelope after a dropped connection; the server keeps one copy (T-137)', async () => {
    const s = await start({ faults: [{ request: 1, destroy: true }] })
    const client = new TaxiiClient(FAST)
    const status = await client.collection(s.apiRootUrl, s.collectionId).addObjects(dataset(2))
    expect(status).toMatchObject({ status: 'complete', success_count: 3, failure_count: 0 })
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(2)
    expect(s.stored()).toHaveLength(3)
  })

  it('throws the last TaxiiHttpError once retries are exhausted', async () => {
    const faults = [1, 2, 3].map((request) => ({ request, status: 503 }))
    const s = await start({ faults })
    const client = new TaxiiClient({ ...FAST, retries: 2 })
    await expect(client.apiRoot(s.apiRootUrl)).rejects.toMatchObject({
      name: 'TaxiiHttpError',
      status: 503,
      resource: { title: 'Scripted fault' },
    })
    expect(s.requests).toHaveLength(3)
  })

  it('throws TaxiiNetworkError when the connection keeps dropping', async () => {
    const s = await start({
      faults: [
        { request: 1, destroy: true },
        { request: 2, destroy: true },
      ],
    })
    const client = new TaxiiClient({ ...FAST, retries: 1 })
    await expect(client.apiRoot(s.apiRootUrl)).rejects.toBeInstanceOf(TaxiiNetworkError)
    expect(s.requests).toHaveLength(2)
  })

  it.each([400, 401, 403, 404, 406, 413, 415, 422])(
    'does not retry %i and carries the error resource',
    async (status) => {
      const s = await start({ faults: [{ request: 1, status, retryAfter: '0' }] })
      const err = await new TaxiiClient(FAST).apiRoot(s.apiRootUrl).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TaxiiHttpError)
      expect(err).toMatchObject({
        status,
        url: s.apiRootUrl,
        resource: { title: 'Scripted fault', http_status: String(status) },
      })
      expect(s.requests).toHaveLength(1)
    },
  )

  it('times a request out after timeoutMs and retries it', async () => {
    const s = await start({ faults: [{ request: 1, stallMs: 2000 }] })
    const events: RetryEvent[] = []
    const client = new TaxiiClient({ ...FAST, timeoutMs: 100, onRetry: (e) => events.push(e) })
    const started = performance.now()
    await expect(client.apiRoot(s.apiRootUrl)).resolves.toMatchObject({ title: 'api1' })
    expect(performance.now() - started).toBeLessThan(1500)
    expect(events.map((e) => e.reason)).toEqual(['timed out after 100 ms'])

    const once = new TaxiiClient({ ...FAST, timeoutMs: 100, retries: 0 })
    const s2 = await startQuirkyTaxiiServer({ faults: [{ request: 1, stallMs: 2000 }] })
    try {
      await expect(once.apiRoot(s2.apiRootUrl)).rejects.toThrow(/timed out after 100 ms/)
    } finally {
      await s2.close()
    }
  })
})

describe('CollectionClient.addObjects status handling (T-213)', () => {
  it('polls a pending status until complete', async () => {
    const s = await start({ pendingPolls: 2 })
    const client = new TaxiiClient(FAST)
    const status = await client.collection(s.apiRootUrl, s.collectionId).addObjects(dataset(2))
    expect(status).toMatchObject({ status: 'complete', total_count: 3, success_count: 3 })
    const polls = s.requests.filter((r) => r.url.includes('/status/'))
    expect(polls).toHaveLength(3)
    expect(polls[0]!.url).toBe(`/api1/status/${status.id}/`)
  })

  it('returns the pending status with wait: false, and status() reads it later', async () => {
    const s = await start({ pendingPolls: 1 })
    const client = new TaxiiClient(FAST)
    const status = await client
      .collection(s.apiRootUrl, s.collectionId)
      .addObjects([JSON.stringify(dataset(1)[0])], { wait: false })
    expect(status).toMatchObject({ status: 'pending', pending_count: 1 })
    expect((await client.status(s.apiRootUrl, status.id)).status).toBe('pending')
    expect((await client.status(s.apiRootUrl, status.id)).status).toBe('complete')
  })

  it('ends with StatusExpiredError when the status is forgotten', async () => {
    const s = await start({ pendingPolls: 5, forgetStatuses: true })
    const collection = new TaxiiClient(FAST).collection(s.apiRootUrl, s.collectionId)
    await expect(collection.addObjects(dataset(1))).rejects.toBeInstanceOf(StatusExpiredError)
  })

  it('ends with StatusTimeoutError after pollTimeoutMs', async () => {
    const s = await start({ pendingPolls: 1000 })
    const collection = new TaxiiClient(FAST).collection(s.apiRootUrl, s.collectionId)
    const err = await collection.addObjects(dataset(1), { pollTimeoutMs: 100 }).catch((e) => e)
    expect(err).toBeInstanceOf(StatusTimeoutError)
    expect(err.status.status).toBe('pending')
  })

  it('sends object texts verbatim', async () => {
    const s = await start({})
    const text = JSON.stringify(dataset(1)[0], null, 1).replace('"indicator"', '"indicator" ')
    await new TaxiiClient(FAST).collection(s.apiRootUrl, s.collectionId).addObjects([text])
    expect(s.requests[0]!.body).toBe(`{"objects":[${text}]}`)
    expect(s.stored().map((r) => r.object)).toEqual([JSON.parse(text)])
  })
})
