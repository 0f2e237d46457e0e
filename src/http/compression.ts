import { constants } from 'node:zlib'
import compress from '@fastify/compress'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Codings offered, in the hub's order of preference where a client states none (curl's
 * `--compressed` asks for several at equal weight). Brotli is not offered: the TAXII clients
 * partners use (Python requests without its optional brotli package, this package's feed client)
 * do not ask for it, and every client that decodes anything decodes gzip.
 */
const CODINGS = ['gzip', 'deflate'] as const

/**
 * zlib's fastest level. A page of 1,000 of the bench's indicators (770 kB) took 3.1 ms at level 1
 * and 6.4 ms at zlib's default 6, for 8.0 and 9.0 times smaller.
 */
const LEVEL = constants.Z_BEST_SPEED

/**
 * Compresses responses of 1 kB or more for clients whose Accept-Encoding asks for gzip or
 * deflate (@fastify/compress); others, curl without `--compressed` among them, get the bytes as
 * they are. Request bodies are not decoded: a POST with a Content-Encoding gets 415 (T-029).
 * Routes must be added after this plugin has loaded, as it hooks each route as it is added.
 */
export function registerCompression(app: FastifyInstance): void {
  void app.register(compress, {
    globalDecompression: false,
    encodings: [...CODINGS],
    threshold: 1024,
    zlibOptions: { level: LEVEL },
  })
}

const ASKS_FOR_CODING = /gzip|deflate|\*/i

/**
 * Whether the response to `request` may be compressed: a client that names no coding the hub
 * offers (or names one only to refuse it, `gzip;q=0`, which this does not tell apart) gets the
 * body as it is. Pages that may be compressed are handed to fastify whole rather than written in
 * chunks past it (send-page.ts).
 */
export const mayCompress = (request: FastifyRequest, enabled: boolean): boolean =>
  enabled && ASKS_FOR_CODING.test(request.headers['accept-encoding'] ?? '')
