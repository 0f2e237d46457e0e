/**
 * Requests Node's HTTP parser refuses before fastify sees them: headers too large, a malformed
 * request line or header, a timeout, an `Expect` other than `100-continue`. Node and fastify
 * would answer those with `application/json` bodies of their own (or none); TAXII clients get a
 * TAXII error resource with the TAXII media type like any other error (T-021, T-055, T-058).
 */

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { TaxiiError } from '../errors.js'
import { TAXII_MEDIA_TYPE } from '../media-types.js'

/**
 * Request headers up to this size are read (Node's default is 16 KiB): a `match[id]` of a few
 * hundred object ids is 20 to 40 kB of URL.
 */
export const MAX_HEADER_BYTES = 64 * 1024

/** The TAXII error for a request the HTTP parser refused with `err`. */
export function parserError(err: NodeJS.ErrnoException): TaxiiError {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return new TaxiiError('TAXII_ERR_HEADERS_TOO_LARGE', 'Request headers too large', {
      description: `the request line and headers exceed ${MAX_HEADER_BYTES} bytes; a long match[id] list can be split over several requests`,
    })
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new TaxiiError('TAXII_ERR_REQUEST_TIMEOUT', 'Request timeout', {
      description: 'the request did not arrive in time',
    })
  }
  return new TaxiiError('TAXII_ERR_BAD_REQUEST', 'Bad request', {
    description: 'the request is not well-formed HTTP/1.1',
  })
}

function errorBody(error: TaxiiError): string {
  return JSON.stringify(error.toResource(randomUUID()))
}

/**
 * For fastify's `clientErrorHandler`: answers on the socket, when it can still be written to,
 * and closes it, since the parser cannot tell where the next request would start.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const error = parserError(err)
  const body = errorBody(error)
  socket.end(
    `HTTP/1.1 ${error.httpStatus} ${STATUS_CODES[error.httpStatus]}\r\n` +
      `Content-Type: ${TAXII_MEDIA_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

/** For the server's `checkExpectation` event: an `Expect` the hub does not meet (RFC 9110 §10.1.1). */
export function answerExpectation(req: IncomingMessage, res: ServerResponse): void {
  const error = new TaxiiError('TAXII_ERR_EXPECTATION_FAILED', 'Expectation failed', {
    description: `the hub meets no expectation but 100-continue, not "${String(req.headers.expect).slice(0, 64)}"`,
  })
  const body = errorBody(error)
  res.writeHead(error.httpStatus, {
    'content-type': TAXII_MEDIA_TYPE,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  })
  res.end(body)
}
