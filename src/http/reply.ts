import type { FastifyReply } from 'fastify'
import { TAXII_MEDIA_TYPE } from '../media-types.js'

/**
 * Sends a TAXII body that is already JSON text. It goes out as a Buffer because fastify rewrites
 * the type of a JSON-ish string payload (quoting `version` and adding `charset`), and T-021 wants
 * the media type byte for byte.
 */
export function sendTaxii(
  reply: FastifyReply,
  status: number,
  body: string | Buffer,
): FastifyReply {
  return reply
    .code(status)
    .header('content-type', TAXII_MEDIA_TYPE)
    .send(typeof body === 'string' ? Buffer.from(body) : body)
}

export function sendResource(reply: FastifyReply, status: number, resource: unknown): FastifyReply {
  return sendTaxii(reply, status, JSON.stringify(resource))
}
