import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import { TAXII_MEDIA_TYPE } from '../media-types.js'
import type { BodyPool } from '../services/body-pool.js'
import type { PageBody } from '../services/page-body.js'
import { mayCompress } from './compression.js'
import { sendTaxii } from './reply.js'

/**
 * A body larger than this goes out in chunks of this size, each sent as soon as it is written.
 * Written whole, a page of 10,000 objects (~7.7 MB) was copied into a buffer far larger than the
 * CPU's cache, and out of it again by the kernel once cold. Walks of 1,000,000 objects in such
 * pages, one hub on one database, alternated: written whole, 231-295k objects/s and 2.4-2.7 s of
 * the hub's CPU; in chunks of 128 kB, 290-432k (median 403k) and 1.65-2.45 s (median 1.75). Chunks
 * of 64, 256 and 512 kB did no better (320-417k, 330-416k, 298-347k). Pages of 1,000 came out
 * the same either way.
 */
const CHUNK_BYTES = 128 * 1024
/** Chunks of one response in flight at once: written and not yet taken by the operating system. */
const CHUNKS_IN_FLIGHT = 4

/**
 * Sends a listing's body with status 200 and the headers set on `reply`. Its buffers come from
 * `pool` and go back there once the operating system has taken them; a response cut short leaves
 * them to the garbage collector, as a write may still hold them. With `compression` (the hub's
 * setting), a page the client may get compressed goes out whole through fastify, which compresses.
 */
export function sendPage(
  reply: FastifyReply,
  pool: BodyPool,
  body: PageBody,
  compression: boolean,
): FastifyReply {
  if (
    body.size <= CHUNK_BYTES ||
    reply.request.method !== 'GET' ||
    // what is written past fastify is not compressed
    mayCompress(reply.request, compression)
  ) {
    const bytes = pool.take(body.size)
    const { at } = body.fill(bytes, 0, 0)
    body.release()
    if (at !== body.size) throw new Error(`a page of ${body.size} bytes filled ${at}`)
    reply.raw.once('finish', () => pool.give(bytes))
    return sendTaxii(reply, 200, bytes)
  }
  reply.header('content-type', TAXII_MEDIA_TYPE).header('content-length', body.size)
  // from here fastify sends nothing; its onResponse hooks (the access log) still run
  reply.hijack()
  reply.raw.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders)
  void sendChunks(reply.raw, pool, body).catch((err: unknown) => {
    reply.log.error({ err }, 'page not sent')
    reply.raw.destroy()
  })
  return reply
}

async function sendChunks(res: ServerResponse, pool: BodyPool, body: PageBody): Promise<void> {
  const chunks: Buffer[] = []
  const free: Buffer[] = []
  let wake: (() => void) | undefined
  const woken = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  res.once('close', woken)
  let part = 0
  let sent = 0
  try {
    while (part < body.parts) {
      if (res.destroyed) return
      let chunk = free.pop()
      if (chunk === undefined && chunks.length < CHUNKS_IN_FLIGHT) {
        chunk = pool.take(CHUNK_BYTES)
        chunks.push(chunk)
      }
      if (chunk === undefined) {
        await new Promise<void>((resolve) => (wake = resolve))
        continue
      }
      let { at, part: next } = body.fill(chunk, 0, part)
      let own: Buffer | undefined
      if (next === part) {
        // one text larger than a chunk: a buffer of its own
        own = Buffer.allocUnsafe(body.partSize(part))
        ;({ at, part: next } = body.fill(own, 0, part))
        free.push(chunk)
      }
      part = next
      sent += at
      const out = own ?? chunk
      res.write(out.subarray(0, at), () => {
        if (own === undefined) free.push(out)
        woken()
      })
    }
  } finally {
    body.release()
  }
  if (sent !== body.size) throw new Error(`a page of ${body.size} bytes sent ${sent}`)
  res.once('finish', () => {
    for (const chunk of chunks) pool.give(chunk)
  })
  res.end()
}
