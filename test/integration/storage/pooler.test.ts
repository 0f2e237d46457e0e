import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { createKyselyStore } from '../../../src/storage/kysely-store.js'
import { migrateToLatest } from '../../../src/storage/migrate.js'
import { openDatabase } from '../../../src/storage/open-database.js'
import { createTestDatabase, DIALECTS, pageTexts, type TestDatabase } from '../../helpers/db.js'

type Mode = 'pass' | 'refuse' | 'ignore'

/**
 * A stand-in for PgBouncer between the hub and PostgreSQL: it passes the `options` startup
 * parameter on, refuses it as PgBouncer does by default, or drops it as PgBouncer does with
 * `ignore_startup_parameters = options`, and notes the name of every statement the hub prepares.
 */
function pooler(upstream: URL, mode: Mode) {
  const names: string[] = []
  const server = net.createServer((client) => {
    let pending = Buffer.alloc(0)
    let upstreamSocket: net.Socket | undefined
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      if (upstreamSocket === undefined) {
        if (pending.length < 8) return
        const length = pending.readInt32BE(0)
        if (pending.length < length) return
        const startup = pending.subarray(0, length)
        pending = pending.subarray(length)
        const params = startup
          .subarray(8, length - 1)
          .toString('utf8')
          .split('\0')
        const kept: string[] = []
        let hasOptions = false
        for (let i = 0; i + 1 < params.length; i += 2) {
          if (params[i] === 'options') hasOptions = true
          if (params[i] !== 'options' || mode === 'pass') kept.push(params[i]!, params[i + 1]!)
        }
        if (hasOptions && mode === 'refuse') {
          const fields = Buffer.from(
            'SFATAL\0C08P01\0Munsupported startup parameter: options\0\0',
            'utf8',
          )
          const head = Buffer.alloc(5)
          head.write('E')
          head.writeInt32BE(fields.length + 4, 1)
          client.end(Buffer.concat([head, fields]))
          return
        }
        const body = Buffer.from(`${kept.join('\0')}\0\0`, 'utf8')
        const rebuilt = Buffer.alloc(8)
        rebuilt.writeInt32BE(body.length + 8, 0)
        rebuilt.writeInt32BE(startup.readInt32BE(4), 4)
        upstreamSocket = net.connect(Number(upstream.port), upstream.hostname)
        upstreamSocket.on('data', (d) => client.write(d))
        upstreamSocket.on('close', () => client.destroy())
        upstreamSocket.on('error', () => client.destroy())
        upstreamSocket.write(Buffer.concat([rebuilt, body]))
      }
      // frontend messages: type, int32 length, payload; a Parse ('P') starts with its name
      while (pending.length >= 5 && pending.length >= pending.readInt32BE(1) + 1) {
        const size = pending.readInt32BE(1) + 1
        const message = pending.subarray(0, size)
        if (message[0] === 0x50) names.push(message.toString('utf8', 5, message.indexOf(0, 5)))
        upstreamSocket.write(message)
        pending = pending.subarray(size)
      }
    }
    client.on('data', onData)
    client.on('close', () => upstreamSocket?.destroy())
    client.on('error', () => upstreamSocket?.destroy())
  })
  return {
    names,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          const url = new URL(upstream.href)
          url.port = String((server.address() as net.AddressInfo).port)
          resolve(url.href)
        }),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe.skipIf(!DIALECTS.includes('postgres'))('behind a connection pooler (postgres)', () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
  })
  afterAll(() => database?.drop())

  /** Migrates, writes and pages through the pooler; the names of the statements it prepared. */
  async function useThrough(mode: Mode): Promise<string[]> {
    const proxy = pooler(new URL(database.url), mode)
    const url = await proxy.listen()
    const { db } = await openDatabase(loadConfig({ DATABASE_URL: url }).database)
    try {
      await migrateToLatest(db)
      const store = createKyselyStore(db)
      const root =
        (await store.getApiRoot('r')) ??
        (await store.createApiRoot({ name: 'r', title: 'R', max_content_length: 1e7 }))
      const collection = await store.createCollection(root.pk, {
        id: crypto.randomUUID(),
        title: mode,
        can_read: true,
        can_write: true,
        media_types: [],
      })
      const id = 'indicator--00000000-0000-4000-8000-000000000001'
      const object = {
        id,
        type: 'indicator',
        spec_version: '2.1',
        version: '2025-07-14T09:30:00.000Z',
        version_key: '2025-07-14T09:30:00.000000000Z',
        body: `{"id":"${id}"}`,
      }
      await store.addObjects(collection.pk, [object], () => undefined)
      for (let i = 0; i < 2; i++) {
        const { rows } = await store.listManifest({ collection_pk: collection.pk }, undefined, 10)
        expect(rows.map((r) => r.id)).toEqual([id])
        expect(rows[0]!.date_added).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
        const texts = await pageTexts(store, { collection_pk: collection.pk }, undefined, 10)
        expect(texts).toBe(object.body)
      }
      await store.close()
    } finally {
      await db.destroy()
      await proxy.close()
    }
    return proxy.names
  }

  it('names its statements when sessions reach PostgreSQL with their options', async () => {
    const names = await useThrough('pass')
    expect(names.some((n) => n.startsWith('hw_'))).toBe(true)
  })

  it('works where the pooler refuses the options startup parameter, naming no statement', async () => {
    const names = await useThrough('refuse')
    expect(names.length).toBeGreaterThan(0)
    expect(names.filter((n) => n !== '')).toEqual([])
  })

  it('works where the pooler drops the options parameter unsaid, naming no statement', async () => {
    const names = await useThrough('ignore')
    expect(names.length).toBeGreaterThan(0)
    expect(names.filter((n) => n !== '')).toEqual([])
  })
})
