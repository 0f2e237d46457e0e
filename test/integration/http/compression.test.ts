import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, TAXII, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  ind,
  objectsPath,
  paddedIndicators,
  post,
  raw,
  stixId,
  type RawResponse,
} from './conformance.js'

/**
 * Responses of 1 kB or more are compressed for clients whose Accept-Encoding asks for it, as
 * taxii2-client's (Python requests: `gzip, deflate`) and curl's `--compressed` do; curl without
 * it, and anything asking for identity, gets the bytes as stored.
 * The requests here are made with node:http (conformance.ts `raw`), which decodes nothing, so the
 * bytes on the wire are what is checked.
 */
const send = (
  hub: TestHub,
  path: string,
  headers: Record<string, string>,
  opts: { method?: string; body?: string } = {},
): Promise<RawResponse> => raw(hub, path, { ...opts, headers: { accept: TAXII, ...headers } })

const decoders: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gunzipSync(b),
  deflate: (b) => zlib.inflateSync(b),
}

/** Objects of ~1.8 kB (paddedIndicators): a page of all of them is ~350 kB. */
const MANY = 200

describe.each(DIALECTS)('response compression (%s)', (dialect) => {
  let hub: TestHub
  let plain: TestHub
  let token: string
  let plainToken: string
  let collection: string
  let plainCollection: string
  const objects = paddedIndicators(MANY, 0xd1, 'y')
  const ids = objects.map((o) => o.id)

  beforeAll(async () => {
    ;[hub, plain] = await Promise.all([
      startTestHub(dialect),
      startTestHub(dialect, { HYDRAWATCH_COMPRESSION: 'false' }),
    ])
    token = await hub.token({ read: ['*'], write: ['*'] })
    plainToken = await plain.token({ read: ['*'], write: ['*'] })
    collection = (await addCollection(hub, { alias: 'zipped' })).id
    plainCollection = (await addCollection(plain, { alias: 'zipped' })).id
    for (let start = 0; start < MANY; start += 100) {
      await post(hub, token, collection, objects.slice(start, start + 100))
    }
    // two objects of ~1.8 kB: a page well over the 1 kB below which nothing is compressed
    await post(plain, plainToken, plainCollection, objects.slice(0, 2))
  }, 60_000)
  afterAll(() => Promise.all([hub?.close(), plain?.close()]))

  const auth = () => ({ authorization: `Bearer ${token}` })
  const page = (limit = MANY) => `${objectsPath(collection)}?limit=${limit}`

  it.each([
    ['gzip, deflate', 'gzip'],
    ['gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['deflate, gzip, br, zstd', 'gzip'],
    ['br;q=1, deflate;q=0.5', 'deflate'],
    ['*', 'gzip'],
  ])(
    'T-154 Accept-Encoding %j: a page comes as %s, decoding to the uncompressed bytes',
    async (accept, coding) => {
      const [zipped, identity] = await Promise.all([
        send(hub, page(), { ...auth(), 'accept-encoding': accept }),
        send(hub, page(), { ...auth(), 'accept-encoding': 'identity' }),
      ])
      expect(zipped.status).toBe(200)
      expect(zipped.headers['content-encoding']).toBe(coding)
      expect(zipped.headers.vary).toMatch(/accept-encoding/i)
      expect(zipped.headers['content-type']).toBe(TAXII)
      for (const name of ['x-taxii-date-added-first', 'x-taxii-date-added-last']) {
        expect(zipped.headers[name], name).toBe(identity.headers[name])
      }
      expect(zipped.body.length).toBeLessThan(identity.body.length / 4)
      expect(decoders[coding]!(zipped.body).equals(identity.body)).toBe(true)
      const { objects: listed } = JSON.parse(identity.body.toString('utf8')) as {
        objects: { id: string }[]
      }
      expect(listed.map((o) => o.id)).toEqual(ids)
    },
  )

  it.each([
    ['no Accept-Encoding (curl without --compressed)', {}],
    ['Accept-Encoding: identity', { 'accept-encoding': 'identity' }],
    ['gzip refused with q=0', { 'accept-encoding': 'gzip;q=0, identity' }],
    ['only codings the hub does not offer', { 'accept-encoding': 'br, zstd' }],
  ])('a page is sent uncompressed with %s', async (_, headers) => {
    const res = await send(hub, page(), { ...auth(), ...headers })
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(Number(res.headers['content-length'])).toBe(res.body.length)
    expect(JSON.parse(res.body.toString('utf8')).objects).toHaveLength(MANY)
  })

  it('resources under 1 kB (a collection, an error) are not compressed', async () => {
    const gzip = { ...auth(), 'accept-encoding': 'gzip' }
    const small = await send(hub, `/hub/collections/${collection}/`, gzip)
    const error = await send(hub, '/hub/collections/no-such-collection/objects/', gzip)
    expect([small.status, error.status]).toEqual([200, 404])
    for (const res of [small, error]) {
      expect(res.body.length).toBeLessThan(1024)
      expect(res.headers['content-encoding']).toBeUndefined()
    }
    expect(JSON.parse(small.body.toString('utf8')).id).toBe(collection)
    expect(JSON.parse(error.body.toString('utf8')).http_status).toBe('404')
  })

  it("T-080 an Add Objects status comes compressed to a client that asks, as taxii2-client's does", async () => {
    const more = Array.from({ length: 50 }, (_, i) => ind(stixId('indicator', i + 1, 0xd2)))
    const res = await send(
      hub,
      objectsPath(collection),
      { ...auth(), 'content-type': TAXII, 'accept-encoding': 'gzip, deflate' },
      { method: 'POST', body: JSON.stringify({ objects: more }) },
    )
    expect(res.status).toBe(202)
    expect(res.headers['content-encoding']).toBe('gzip')
    const status = JSON.parse(zlib.gunzipSync(res.body).toString('utf8'))
    expect(status).toMatchObject({ status: 'complete', success_count: 50, failure_count: 0 })
  })

  it('T-021 HEAD of a page a client would get compressed answers the uncompressed headers', async () => {
    const headers = { ...auth(), 'accept-encoding': 'gzip' }
    const [head, identity] = await Promise.all([
      send(hub, page(), headers, { method: 'HEAD' }),
      send(hub, page(), { ...auth(), 'accept-encoding': 'identity' }),
    ])
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
    expect(head.headers['content-type']).toBe(TAXII)
    expect(Number(head.headers['content-length'])).toBe(identity.body.length)
    expect(head.headers['x-taxii-date-added-last']).toBe(
      identity.headers['x-taxii-date-added-last'],
    )
  })

  it('HYDRAWATCH_COMPRESSION=false: nothing is compressed, whatever the client asks', async () => {
    const res = await send(plain, objectsPath(plainCollection), {
      authorization: `Bearer ${plainToken}`,
      'accept-encoding': 'gzip, deflate',
    })
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.headers.vary).toBeUndefined()
    expect(Number(res.headers['content-length'])).toBe(res.body.length)
    expect(res.body.length).toBeGreaterThan(2048)
    expect(JSON.parse(res.body.toString('utf8')).objects).toHaveLength(2)
  })
})
