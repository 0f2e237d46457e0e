import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, TAXII, type TestHub } from '../../helpers/hub.js'
import { ind, objectsPath, post, stixId } from './conformance.js'

/**
 * Listing bodies come from a pool and are used again (services/body-pool.ts), and so do the
 * blocks a page's COPY output is read into on PostgreSQL (storage/copy-blocks.ts). A body may go
 * back only once the operating system has all of it, and blocks only once their page is written:
 * a client that reads slowly, or whose next page was read ahead, must still get its page byte for
 * byte while other clients are served pages meanwhile.
 */
const C = 'distillation-indicators'
const PAGE = 300
// ~12 MB a page: more than the kernel holds for a client that reads nothing
const DESCRIPTION = 40_000

describe.each(DIALECTS)('pooled page buffers (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    for (const [salt, letter] of [
      [0xb1, 'a'],
      [0xb2, 'b'],
    ] as const) {
      for (let start = 0; start < PAGE; start += 100) {
        const objects = Array.from({ length: 100 }, (_, i) =>
          ind(stixId('indicator', start + i + 1, salt), undefined, {
            description: letter.repeat(DESCRIPTION),
          }),
        )
        await post(hub, token, C, objects)
      }
    }
  }, 120_000)
  afterAll(() => hub.close())

  const pagePath = (salt: number) =>
    `${objectsPath(C)}?limit=${PAGE}&match[id]=${Array.from({ length: PAGE }, (_, i) =>
      stixId('indicator', i + 1, salt),
    ).join(',')}`

  /** Sends a GET on a socket of its own and reads nothing until `read()` is called. */
  function stalledGet(path: string) {
    const socket = net.connect(Number(new URL(hub.url).port), '127.0.0.1')
    socket.pause()
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${TAXII}\r\n` +
        `Authorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    )
    return {
      read: () =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = []
          socket.on('data', (c: Buffer) => chunks.push(c))
          socket.on('end', () => resolve(Buffer.concat(chunks)))
          socket.on('error', reject)
          socket.resume()
        }),
    }
  }

  it('T-154 a client reading slowly gets its page intact while pages of its size go to others', async () => {
    const expected = await hub.request(pagePath(0xb1), { token })
    expect(expected.status).toBe(200)
    expect(expected.json.objects).toHaveLength(PAGE)

    const stalled = stalledGet(pagePath(0xb1))
    // the hub has rendered the stalled page and is waiting on the socket
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (let i = 0; i < 3; i++) {
      const other = await hub.request(pagePath(0xb2), { token })
      expect(other.status).toBe(200)
      expect(other.json.objects[0].description[0]).toBe('b')
    }

    const raw = await stalled.read()
    const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4).toString('utf8')
    expect(raw.subarray(0, 15).toString()).toBe('HTTP/1.1 200 OK')
    expect(body).toBe(expected.text)
  }, 60_000)

  it('T-127 a page read ahead keeps its rows while other clients read pages meanwhile', async () => {
    const filter = (salt: number) =>
      `match[id]=${Array.from({ length: PAGE }, (_, i) => stixId('indicator', i + 1, salt)).join(',')}`
    const page = async (salt: number, next?: string) => {
      const res = await hub.request(
        `${objectsPath(C)}?limit=20&${filter(salt)}${next === undefined ? '' : `&next=${next}`}`,
        { token },
      )
      expect(res.status).toBe(200)
      return res.json
    }
    const first = await page(0xb1)
    // following a next: the hub reads the third page ahead while it sends this one
    const second = await page(0xb1, first.next)
    for (let i = 0; i < 3; i++) await page(0xb2)
    const third = await page(0xb1, second.next)
    expect(third.objects.map((o: any) => o.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => stixId('indicator', 41 + i, 0xb1)),
    )
    expect(third.objects.every((o: any) => o.description === 'a'.repeat(DESCRIPTION))).toBe(true)
  }, 60_000)
})
