import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, TAXII, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  ind,
  objectsPath,
  paddedIndicators,
  post,
  stixId,
  TAXII_TIMESTAMP,
} from './conformance.js'

/**
 * A listing body larger than a chunk (128 kB) goes out in chunks, each sent as it is written
 * (http/send-page.ts); smaller ones go out whole. Either way the client gets the stored texts
 * joined, byte for byte, under the headers of any other page. Chunks are for uncompressed
 * responses, so these requests ask for none (fetch asks for gzip otherwise; compression.test.ts).
 */
const IDENTITY = { 'accept-encoding': 'identity' }
// ~1.8 kB an object (paddedIndicators): a page of all of them is ~350 kB, two chunks and a part
const MANY = 200
// one text alone larger than two chunks
const HUGE = 300_000
// a page of 60 texts of 200 kB, ~12 MB: more than the kernel holds for a client that reads nothing
const BIG = 60
const BIG_DESCRIPTION = 200_000

describe.each(DIALECTS)('pages sent in chunks (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let many: string
  let huge: string
  let big: string
  const manyObjects = paddedIndicators(MANY, 0xc1, 'x')
  const manyIds = manyObjects.map((o) => o.id)
  const hugeIds = [1, 2, 3].map((n) => stixId('indicator', n, 0xc2))

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    many = (await addCollection(hub, { alias: 'many' })).id
    huge = (await addCollection(hub, { alias: 'huge' })).id
    big = (await addCollection(hub, { alias: 'big' })).id
    for (let start = 0; start < MANY; start += 50) {
      await post(hub, token, many, manyObjects.slice(start, start + 50))
    }
    await post(hub, token, huge, [
      ind(hugeIds[0]!),
      ind(hugeIds[1]!, undefined, { description: 'é'.repeat(HUGE / 2) }),
      ind(hugeIds[2]!),
    ])
    for (let start = 0; start < BIG; start += BIG / 2) {
      await post(
        hub,
        token,
        big,
        Array.from({ length: BIG / 2 }, (_, i) =>
          ind(stixId('indicator', start + i + 1, 0xc3), undefined, {
            description: 'z'.repeat(BIG_DESCRIPTION),
          }),
        ),
      )
    }
  }, 60_000)
  afterAll(() => hub.close())

  /** Each object's stored text, as Get an Object sends it alone (a body sent whole). */
  async function storedTexts(collection: string, ids: string[]): Promise<string[]> {
    const head = '{"more":false,"objects":['
    return Promise.all(
      ids.map(async (id) => {
        const res = await hub.request(`${objectsPath(collection)}${id}/`, {
          token,
          headers: IDENTITY,
        })
        expect(res.status).toBe(200)
        expect(res.text.startsWith(head) && res.text.endsWith(']}')).toBe(true)
        return res.text.slice(head.length, -2)
      }),
    )
  }

  it('T-154 T-021 a page larger than a chunk is the stored texts joined, byte for byte', async () => {
    const texts = await storedTexts(many, manyIds)
    const res = await hub.request(`${objectsPath(many)}?limit=${MANY}`, {
      token,
      headers: IDENTITY,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TAXII)
    expect(res.text).toBe(`{"more":false,"objects":[${texts.join(',')}]}`)
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text))
    expect(Buffer.byteLength(res.text)).toBeGreaterThan(2 * 128 * 1024)
    expect(res.headers.get('x-taxii-date-added-first')).toMatch(TAXII_TIMESTAMP)
    expect(res.headers.get('x-taxii-date-added-last')).toMatch(TAXII_TIMESTAMP)
  })

  it('T-127 a page in chunks carries its next, and the pages after it hold the rest', async () => {
    const texts = await storedTexts(many, manyIds)
    const first = await hub.request(`${objectsPath(many)}?limit=150`, { token, headers: IDENTITY })
    expect(first.status).toBe(200)
    const next = first.json.next as string
    expect(first.text).toBe(
      `{"more":true,"next":"${next}","objects":[${texts.slice(0, 150).join(',')}]}`,
    )
    const rest = await hub.request(`${objectsPath(many)}?limit=150&next=${next}`, {
      token,
      headers: IDENTITY,
    })
    expect(rest.text).toBe(`{"more":false,"objects":[${texts.slice(150).join(',')}]}`)
  })

  it('T-154 a text larger than a chunk goes out whole in its place', async () => {
    const texts = await storedTexts(huge, hugeIds)
    expect(Buffer.byteLength(texts[1]!)).toBeGreaterThan(HUGE)
    const res = await hub.request(objectsPath(huge), { token, headers: IDENTITY })
    expect(res.status).toBe(200)
    expect(res.text).toBe(`{"more":false,"objects":[${texts.join(',')}]}`)
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text))
    expect(res.json.objects[1].description).toBe('é'.repeat(HUGE / 2))
  })

  it('T-021 HEAD of a large page answers its headers and no body', async () => {
    const get = await hub.request(`${objectsPath(many)}?limit=${MANY}`, {
      token,
      headers: IDENTITY,
    })
    const head = await hub.request(`${objectsPath(many)}?limit=${MANY}`, {
      token,
      method: 'HEAD',
      headers: IDENTITY,
    })
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    for (const name of ['content-type', 'content-length', 'x-taxii-date-added-last']) {
      expect(head.headers.get(name), name).toBe(get.headers.get(name))
    }
  })

  it('a client leaving in the middle of a page leaves the hub serving every other', async () => {
    const port = Number(new URL(hub.url).port)
    const path = `${objectsPath(big)}?limit=${BIG}`
    const expected = (await hub.request(path, { token, headers: IDENTITY })).text
    expect(Buffer.byteLength(expected)).toBeGreaterThan(BIG * BIG_DESCRIPTION)
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () =>
          socket.write(
            `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${TAXII}\r\n` +
              `Authorization: Bearer ${token}\r\n\r\n`,
          ),
        )
        // gone after the first bytes: most of the page is still to be written
        socket.once('data', () => {
          socket.destroy()
          resolve()
        })
        socket.on('error', reject)
      })
    }
    const pages = await Promise.all(
      Array.from({ length: 4 }, () => hub.request(path, { token, headers: IDENTITY })),
    )
    for (const page of pages) expect(page.text).toBe(expected)
  })
})
