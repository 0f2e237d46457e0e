/** The client against a running hydrawatch hub, on each database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  TaxiiClient,
  TaxiiHttpError,
  packEnvelopes,
  type CollectionClient,
  type Credentials,
} from '../../../src/client/index.js'
import { DIALECTS } from '../../helpers/db.js'
import { indicator, startTestHub, type TestHub } from '../../helpers/hub.js'

const FAST = { minDelayMs: 5, maxDelayMs: 50 }
const C = 'distillation-indicators'
const MAX_CONTENT_LENGTH = 3000
const SYNC_OBJECTS = 4
const keys = (objects: Record<string, unknown>[]) =>
  objects.map((o) => `${String(o.id)}@${String(o.modified)}`)

describe.each(DIALECTS)('TaxiiClient against a hydrawatch hub (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let apiRoot: string
  let client: TaxiiClient
  let collection: CollectionClient

  beforeAll(async () => {
    hub = await startTestHub(dialect, {
      HYDRAWATCH_MAX_CONTENT_LENGTH: String(MAX_CONTENT_LENGTH),
      HYDRAWATCH_SYNC_ENVELOPE_OBJECTS: String(SYNC_OBJECTS),
    })
    token = await hub.token({ sub: 'client-test', read: ['*'], write: ['*'] })
    apiRoot = `${hub.url}/hub/`
    client = new TaxiiClient({ ...FAST, credentials: { kind: 'bearer', token } })
    collection = client.collection(apiRoot, C)
  })
  afterAll(async () => {
    await hub?.close()
  })

  it('T-207 discovers the API roots as absolute URLs', async () => {
    const discovery = await client.discover(`${hub.url}/taxii2/`)
    expect(discovery.api_roots).toContain(apiRoot)
    expect(discovery.default).toBe(apiRoot)
    expect(typeof discovery.title).toBe('string')
  })

  it('reads the API root with its max_content_length, and the collections', async () => {
    const info = await client.apiRoot(apiRoot)
    expect(info.max_content_length).toBe(MAX_CONTENT_LENGTH)
    expect(info.versions).toContain('application/taxii+json;version=2.1')
    const collections = await client.collections(apiRoot)
    const mine = collections.find((c) => c.alias === C)!
    expect(mine).toMatchObject({ id: hub.collection.id, can_read: true, can_write: true })
    expect(await client.collection(apiRoot, mine.id).info()).toEqual(mine)
  })

  it('T-214 publishes envelopes packed to max_content_length, waiting for each status', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => JSON.stringify(indicator(100 + i)))
    const { envelopes, tooLarge } = packEnvelopes(texts, MAX_CONTENT_LENGTH)
    expect(tooLarge).toEqual([])
    expect(envelopes.length).toBeGreaterThan(1)
    for (const { indexes } of envelopes) {
      const status = await collection.addObjects(indexes.map((i) => texts[i]!))
      expect(status).toMatchObject({
        status: 'complete',
        total_count: indexes.length,
        success_count: indexes.length,
        failure_count: 0,
      })
    }
  })

  it('T-213 polls the status the hub answers pending (T-170) until complete', async () => {
    const objects = Array.from({ length: SYNC_OBJECTS + 2 }, (_, i) => indicator(200 + i))
    const sent: string[] = []
    const recording = new TaxiiClient({
      ...FAST,
      credentials: { kind: 'bearer', token },
      fetch: (input, init) => {
        sent.push(`${init?.method} ${input instanceof Request ? input.url : input.toString()}`)
        return fetch(input, init)
      },
    })
    const status = await recording.collection(apiRoot, C).addObjects(objects)
    expect(status).toMatchObject({ status: 'complete', success_count: objects.length })
    expect(sent[0]).toBe(`POST ${collection.url}objects/`)
    expect(sent.slice(1)).toContain(`GET ${apiRoot}status/${status.id}/`)

    const again = await collection.addObjects(objects, { wait: false })
    expect(again.status).toBe('pending')
  })

  it('T-208 pages with limit through next until more is false', async () => {
    const pages = []
    for await (const page of collection.pages({ limit: 5, match: { type: ['indicator'] } })) {
      pages.push(page)
    }
    const seen = pages.flatMap((p) => keys(p.objects))
    expect(seen).toHaveLength(new Set(seen).size)
    expect(seen.length).toBeGreaterThanOrEqual(12 + SYNC_OBJECTS + 2)
    for (const page of pages) expect(page.objects.length).toBeLessThanOrEqual(5)
    expect(pages.slice(0, -1).every((p) => p.more && p.next !== undefined)).toBe(true)
    expect(pages.at(-1)!.more).toBe(false)
    expect(pages[0]!.dateAddedFirst).toMatch(/^\d{4}-.*\.\d{6}Z$/)

    // a run resumed from a cursor yields what came after it
    const cursor = pages[1]!.dateAddedLast!
    const rest = []
    for await (const object of collection.objects({ added_after: cursor, limit: 4 })) {
      rest.push(object)
    }
    expect(keys(rest)).toEqual(pages.slice(2).flatMap((p) => keys(p.objects)))
  })

  it('reads one object, its versions and its manifest records, then deletes a version', async () => {
    const v1 = indicator(300)
    const v2 = indicator(300, { modified: '2025-07-20T07:00:00.000Z', revoked: true })
    await collection.addObjects([v1, v2])
    const id = v1.id

    expect(keys((await collection.getObject(id)).objects)).toEqual(keys([v2]))
    const all = await collection.getObject(id, { match: { version: ['all'] } })
    expect(keys(all.objects)).toEqual(keys([v1, v2]))
    expect(JSON.parse(all.body).objects).toEqual(all.objects)

    const versions = await collection.versions(id)
    expect(versions.versions).toEqual([v1.modified, v2.modified])
    expect(versions.dateAddedLast).toBeDefined()

    const records = []
    for await (const page of collection.manifest({ match: { id: [id], version: ['all'] } })) {
      records.push(...page.objects)
    }
    expect(records.map((r) => r.version)).toEqual([v1.modified, v2.modified])

    await collection.deleteObject(id, { match: { version: [v2.modified] } })
    expect((await collection.versions(id)).versions).toEqual([v1.modified])
    await collection.deleteObject(id)
    const gone = await collection.getObject(id).catch((e: unknown) => e)
    expect(gone).toBeInstanceOf(TaxiiHttpError)
    expect(gone).toMatchObject({ status: 404, resource: { http_status: '404' } })
  })

  it.each<[string, (token: string) => Credentials]>([
    ['Bearer', (t) => ({ kind: 'bearer', token: t })],
    [
      'Basic with the token as password (T-204)',
      (t) => ({ kind: 'basic', username: 'lab', password: t }),
    ],
  ])('authenticates with %s credentials', async (_, credentials) => {
    const c = new TaxiiClient({ ...FAST, credentials: credentials(token) })
    expect((await c.collections(apiRoot)).some((x) => x.alias === C)).toBe(true)
  })

  it('gets 401 with the hub error resource without credentials, and 403 without the right', async () => {
    const anonymous = await new TaxiiClient(FAST).collections(apiRoot).catch((e: unknown) => e)
    expect(anonymous).toMatchObject({
      name: 'TaxiiHttpError',
      status: 401,
      resource: { error_code: 'TAXII_ERR_UNAUTHORIZED', http_status: '401' },
    })
    const reader = await hub.token({ sub: 'reader', read: ['*'] })
    const readOnly = new TaxiiClient({ ...FAST, credentials: { kind: 'bearer', token: reader } })
    const refused = await readOnly
      .collection(apiRoot, C)
      .addObjects([indicator(400)])
      .catch((e: unknown) => e)
    expect(refused).toMatchObject({ status: 403, resource: { error_code: 'TAXII_ERR_FORBIDDEN' } })
  })
})
