/**
 * The client's cap on a response body (maxResponseBytes): fetch asks for gzip and decodes it, so
 * a server can send a few kilobytes that decode to gigabytes. The cap counts decoded bytes, fails
 * the request without retrying it, and leaves a body within it alone.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { TaxiiClient, TaxiiProtocolError } from '../../../src/client/index.js'

const TAXII = 'application/taxii+json;version=2.1'

/** API root information padded with a description of `padding` spaces, gzip-compressed. */
function apiRootBody(padding: number): Buffer {
  const info = {
    title: 'padded',
    description: ' '.repeat(padding),
    versions: [TAXII],
    max_content_length: 10_485_760,
  }
  return gzipSync(JSON.stringify(info))
}

describe('client response cap', () => {
  let server: Server | undefined
  let requests = 0

  async function serve(body: Buffer): Promise<string> {
    requests = 0
    server = createServer((_req, res) => {
      requests++
      res.writeHead(200, { 'content-type': TAXII, 'content-encoding': 'gzip' })
      res.end(body)
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/root/`
  }

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve))
    server = undefined
  })

  it('a compressed body decoding past maxResponseBytes fails once, with no retry', async () => {
    const body = apiRootBody(8 * 1024 * 1024)
    // what crosses the wire is far below the cap: only decoded bytes can pass it
    expect(body.length).toBeLessThan(64 * 1024)
    const url = await serve(body)
    const client = new TaxiiClient({ maxResponseBytes: 1024 * 1024, minDelayMs: 5 })
    const err = await client.apiRoot(url).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TaxiiProtocolError)
    expect((err as Error).message).toContain('larger than 1048576 bytes')
    expect(requests).toBe(1)
  })

  it('a body within the cap is read as it decodes', async () => {
    const url = await serve(apiRootBody(512 * 1024))
    const client = new TaxiiClient({ maxResponseBytes: 1024 * 1024 })
    const info = await client.apiRoot(url)
    expect(info.title).toBe('padded')
    expect(info.description).toHaveLength(512 * 1024)
    expect(requests).toBe(1)
  })
})
