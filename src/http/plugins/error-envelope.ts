import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { TaxiiError, type TaxiiErrorCode } from '../../errors.js'
import type { AuditEvent } from '../../storage/store.js'
import { sendResource } from '../reply.js'

export type AuditSink = (event: AuditEvent) => Promise<void>

/** fastify's own failures mapped onto our error kinds; anything else is an opaque 500. */
const FASTIFY_CODES: Record<string, [TaxiiErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['TAXII_ERR_PAYLOAD_TOO_LARGE', 'Payload too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['TAXII_ERR_UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['TAXII_ERR_MALFORMED_JSON', 'Bad request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['TAXII_ERR_MALFORMED_JSON', 'Malformed JSON'],
}

function toTaxiiError(error: FastifyError | Error): TaxiiError | undefined {
  if (error instanceof TaxiiError) return error
  const code = (error as FastifyError).code
  const mapped = code === undefined ? undefined : FASTIFY_CODES[code]
  if (mapped !== undefined) {
    return new TaxiiError(mapped[0], mapped[1], { description: error.message, cause: error })
  }
  const status = (error as FastifyError).statusCode
  if (status === 400) {
    return new TaxiiError('TAXII_ERR_BAD_QUERY', 'Bad request', { description: error.message })
  }
  return undefined
}

/** Sends a TAXII error resource with the error's headers (T-055, T-058). */
export function sendError(reply: FastifyReply, error: TaxiiError, errorId: string): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value)
  return sendResource(reply, error.httpStatus, error.toResource(errorId))
}

/**
 * The one place where errors become TAXII error resources (T-055, T-058). A caller who proved who
 * they are and was refused (403) is recorded through `audit`: a partner probing collections it
 * may not use is worth knowing about; anonymous 401s are not recorded, since anyone can cause them.
 */
export function registerErrorEnvelope(app: FastifyInstance, audit?: AuditSink): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const taxii = toTaxiiError(error)
    if (taxii !== undefined) {
      const { principal, apiRoot, collection } = request.taxii ?? {}
      if (taxii.httpStatus === 403 && principal !== undefined && audit !== undefined) {
        audit({
          sub: principal.sub,
          action: 'denied',
          api_root: apiRoot?.name ?? null,
          collection_id: collection?.id ?? null,
          details: { method: request.method, url: request.url, reason: taxii.description },
        }).catch((err: unknown) => request.log.error({ err }, 'audit record not written'))
      }
      return sendError(reply, taxii, request.id)
    }
    const errorId = randomUUID()
    request.log.error({ err: error, error_id: errorId }, 'unexpected failure')
    return sendResource(reply, 500, {
      title: 'Internal error',
      description: 'the hub failed to process this request; quote error_id when reporting it',
      error_id: errorId,
      error_code: 'TAXII_ERR_INTERNAL',
      http_status: '500',
    })
  })
}
