/**
 * What the TAXII client throws. Every failure is a `TaxiiClientError`, so callers can tell a
 * partner's problem from a bug in their own code (misuse of the API throws `TypeError`).
 */

import type { TaxiiErrorResource as ErrorResourceFields } from '../errors.js'
import type { TaxiiStatus } from './resources.js'

/**
 * The TAXII error resource a server sent with a 4xx/5xx answer (TAXII 2.1 §3.6.1). Its values are
 * the server's own: only `title` is required, and custom properties are kept.
 */
export interface TaxiiErrorResource extends ErrorResourceFields {
  [property: string]: unknown
}

/**
 * Base class of every error the client throws.
 *
 * @example
 * try {
 *   await client.collections(apiRootUrl)
 * } catch (err) {
 *   if (err instanceof TaxiiClientError) console.error(`partner unavailable: ${err.message}`)
 *   else throw err
 * }
 */
export class TaxiiClientError extends Error {
  override name = 'TaxiiClientError'
}

/**
 * The server answered with an HTTP error status (after retries, when the status is retryable).
 *
 * @example
 * try {
 *   await collection.info()
 * } catch (err) {
 *   if (err instanceof TaxiiHttpError && err.status === 404) console.error(err.resource?.title)
 * }
 */
export class TaxiiHttpError extends TaxiiClientError {
  override name = 'TaxiiHttpError'
  readonly status: number
  readonly url: string
  /** The error resource from the body, when the body was one. */
  readonly resource: TaxiiErrorResource | undefined
  /** The delay the server asked for with `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined

  constructor(
    message: string,
    fields: { status: number; url: string; resource?: TaxiiErrorResource; retryAfterMs?: number },
  ) {
    super(message)
    this.status = fields.status
    this.url = fields.url
    this.resource = fields.resource
    this.retryAfterMs = fields.retryAfterMs
  }
}

/**
 * The server answered 2xx with something that is not the TAXII resource asked for: another media
 * type, JSON that does not parse, or a resource without a required property.
 */
export class TaxiiProtocolError extends TaxiiClientError {
  override name = 'TaxiiProtocolError'
  readonly url: string

  constructor(message: string, url: string) {
    super(message)
    this.url = url
  }
}

/** The request never got an answer (connection refused or dropped, timeout), retries included. */
export class TaxiiNetworkError extends TaxiiClientError {
  override name = 'TaxiiNetworkError'
  readonly url: string

  constructor(message: string, url: string, options?: ErrorOptions) {
    super(message, options)
    this.url = url
  }
}

/**
 * The status resource of an add-objects request answered 404 while the client was waiting for it
 * to complete: the server has forgotten it (T-213). Whether the objects were stored is unknown;
 * re-posting them is safe (T-137).
 */
export class StatusExpiredError extends TaxiiClientError {
  override name = 'StatusExpiredError'
  readonly statusId: string

  constructor(message: string, statusId: string) {
    super(message)
    this.statusId = statusId
  }
}

/** The status resource was still `pending` when `pollTimeoutMs` ran out. */
export class StatusTimeoutError extends TaxiiClientError {
  override name = 'StatusTimeoutError'
  /** The last status read. */
  readonly status: TaxiiStatus

  constructor(message: string, status: TaxiiStatus) {
    super(message)
    this.status = status
  }
}
