/**
 * One error family for every failure a TAXII request can meet. Each failure kind has a stable
 * `code` and one HTTP status; `toErrorResource` turns any of them into the TAXII 2.1 error
 * resource (§3.6.1), with `http_status` as a string (T-058).
 */

export const TAXII_ERROR_CODES = {
  TAXII_ERR_BAD_REQUEST: 400,
  TAXII_ERR_BAD_QUERY: 400,
  TAXII_ERR_BAD_NEXT: 400,
  TAXII_ERR_MALFORMED_JSON: 400,
  TAXII_ERR_UNAUTHORIZED: 401,
  TAXII_ERR_FORBIDDEN: 403,
  TAXII_ERR_NOT_FOUND: 404,
  TAXII_ERR_API_ROOT_NOT_FOUND: 404,
  TAXII_ERR_COLLECTION_NOT_FOUND: 404,
  TAXII_ERR_OBJECT_NOT_FOUND: 404,
  TAXII_ERR_STATUS_NOT_FOUND: 404,
  TAXII_ERR_METHOD_NOT_ALLOWED: 405,
  TAXII_ERR_NOT_ACCEPTABLE: 406,
  TAXII_ERR_REQUEST_TIMEOUT: 408,
  TAXII_ERR_PAYLOAD_TOO_LARGE: 413,
  TAXII_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  TAXII_ERR_EXPECTATION_FAILED: 417,
  TAXII_ERR_INVALID_ENVELOPE: 422,
  TAXII_ERR_HEADERS_TOO_LARGE: 431,
  TAXII_ERR_INTERNAL: 500,
  TAXII_ERR_UNAVAILABLE: 503,
} as const

export type TaxiiErrorCode = keyof typeof TAXII_ERROR_CODES

export interface TaxiiErrorResource {
  title: string
  description?: string
  error_id?: string
  error_code?: string
  http_status?: string
  external_details?: string
  details?: Record<string, unknown>
}

export interface TaxiiErrorOptions {
  description?: string
  details?: Record<string, unknown>
  headers?: Record<string, string>
  cause?: unknown
}

export class TaxiiError extends Error {
  override name = 'TaxiiError'
  readonly code: TaxiiErrorCode
  readonly httpStatus: number
  readonly title: string
  readonly description: string | undefined
  readonly details: Record<string, unknown> | undefined
  readonly headers: Record<string, string>

  constructor(code: TaxiiErrorCode, title: string, options: TaxiiErrorOptions = {}) {
    super(options.description ? `${title}: ${options.description}` : title, {
      cause: options.cause,
    })
    this.code = code
    this.httpStatus = TAXII_ERROR_CODES[code]
    this.title = title
    this.description = options.description
    this.details = options.details
    this.headers = options.headers ?? {}
  }

  toResource(errorId?: string): TaxiiErrorResource {
    const resource: TaxiiErrorResource = { title: this.title }
    if (this.description !== undefined) resource.description = this.description
    if (errorId !== undefined) resource.error_id = errorId
    resource.error_code = this.code
    resource.http_status = String(this.httpStatus)
    if (this.details !== undefined) resource.details = this.details
    return resource
  }
}

export const badQuery = (description: string): TaxiiError =>
  new TaxiiError('TAXII_ERR_BAD_QUERY', 'Invalid query parameter', { description })

export const badNext = (description: string): TaxiiError =>
  new TaxiiError('TAXII_ERR_BAD_NEXT', 'Invalid next token', { description })

export const malformedJson = (description: string): TaxiiError =>
  new TaxiiError('TAXII_ERR_MALFORMED_JSON', 'Malformed JSON', { description })

export const invalidEnvelope = (description: string): TaxiiError =>
  new TaxiiError('TAXII_ERR_INVALID_ENVELOPE', 'Invalid envelope', { description })

export const forbidden = (description: string): TaxiiError =>
  new TaxiiError('TAXII_ERR_FORBIDDEN', 'Forbidden', { description })

export const notFound = (
  code: Extract<
    TaxiiErrorCode,
    | 'TAXII_ERR_NOT_FOUND'
    | 'TAXII_ERR_API_ROOT_NOT_FOUND'
    | 'TAXII_ERR_COLLECTION_NOT_FOUND'
    | 'TAXII_ERR_OBJECT_NOT_FOUND'
    | 'TAXII_ERR_STATUS_NOT_FOUND'
  >,
  description: string,
): TaxiiError => new TaxiiError(code, 'Not found', { description })
