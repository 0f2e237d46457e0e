/**
 * One HTTP exchange with a TAXII server: the headers every request carries, the per-request
 * timeout, retries with backoff, and the checks on what comes back.
 *
 * @see TAXII 2.1 §3.1 (media types, trailing slashes), T-206, T-212
 */

import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import pRetry, { AbortError } from 'p-retry'
import type { Agent } from 'undici'
import { TAXII_MEDIA_TYPE } from '../media-types.js'
import {
  TaxiiHttpError,
  TaxiiNetworkError,
  TaxiiProtocolError,
  type TaxiiErrorResource,
} from './errors.js'

/** A client certificate and its private key, PEM, presented when a server asks for one. */
export interface ClientCertificate {
  cert: string | Buffer
  key: string | Buffer
}

/**
 * How the client authenticates (T-204: Basic is what every TAXII server must take), and the
 * certificate it presents in TLS handshakes, if any (T-005: a hydrawatch hub accepts a token bound
 * to one only with it).
 */
export type Credentials = (
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'none' }
) & { certificate?: ClientCertificate }

/** Told before each retry: which request, which attempt failed, how long until the next. */
export interface RetryEvent {
  url: string
  /** the attempt that failed, 1 for the first request */
  attempt: number
  delayMs: number
  /** e.g. `HTTP 503` or `connect ECONNREFUSED 127.0.0.1:8080` */
  reason: string
}

export interface TaxiiClientOptions {
  /** default `{ kind: 'none' }` */
  credentials?: Credentials
  /** per HTTP request, body included; default 30,000 */
  timeoutMs?: number
  /** retries after the first attempt; default 6 */
  retries?: number
  /** first backoff ceiling; default 1,000 (backoff doubles per retry, full jitter) */
  minDelayMs?: number
  /** largest wait between attempts, `Retry-After` included; default 60,000 */
  maxDelayMs?: number
  /** default `hydrawatch/<package version>` (T-200) */
  userAgent?: string
  /**
   * largest response body read, decoded (after gzip or deflate), in bytes; default 256 MiB. A
   * larger one fails the request with a TaxiiProtocolError, without retries.
   */
  maxResponseBytes?: number
  /** default the global fetch */
  fetch?: typeof fetch
  onRetry?: (e: RetryEvent) => void
}

/** A 2xx answer, body read. */
export interface HttpAnswer {
  status: number
  headers: Headers
  body: string
  url: string
}

/**
 * The default cap on a response body. fetch asks for gzip and deflate and decodes them, so a
 * server's few kilobytes can decode to gigabytes, which read whole would fill the process's memory
 * (and, failing as a network error, be asked for again). A page of 10,000 objects of 10 kB, far
 * beyond what partners serve, is 100 MB.
 */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024

/** The body of `res` as text, as `res.text()` reads it, or a ResponseTooLarge past `max` bytes. */
async function readBody(res: Response, max: number): Promise<string> {
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > max) throw new ResponseTooLarge(max)
    chunks.push(chunk)
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size))
}

class ResponseTooLarge extends Error {
  constructor(max: number) {
    super(`the response body is larger than ${max} bytes (maxResponseBytes)`)
  }
}

/** T-212: retried with backoff; every other failure status is final. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504])

let packageVersion: string | undefined
function defaultUserAgent(): string {
  if (packageVersion === undefined) {
    // src/client/ and dist/client/ both sit two levels below package.json.
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    packageVersion = pkg.version
  }
  return `hydrawatch/${packageVersion}`
}

/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds or an HTTP date (a date in the
 * past means now). `undefined` when absent or unreadable.
 *
 * @see RFC 9110 §10.2.3
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  // HTTP dates always name the weekday; requiring a letter keeps bare numbers like "1.5" out.
  if (!/^[A-Za-z]/.test(v)) return undefined
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * Whether a response `Content-Type` announces TAXII 2.1 JSON. Tolerant of what servers in the
 * field send: spaces, `charset`, quotes and case; `application/json` too. A `version` other than
 * 2.1 is refused: that would be another protocol.
 *
 * @see T-020, T-021
 */
export function isTaxiiJsonContentType(value: string | null): boolean {
  if (value === null) return false
  const [type, ...params] = value.replace(/\s+/g, '').toLowerCase().split(';')
  if (type === 'application/json') return true
  if (type !== 'application/taxii+json') return false
  for (const param of params) {
    const [name, raw = ''] = param.split('=', 2)
    if (name === 'version' && raw.replace(/^"(.*)"$/, '$1') !== '2.1') return false
  }
  return true
}

function authorization(credentials: Credentials): string | undefined {
  switch (credentials.kind) {
    case 'bearer':
      return `Bearer ${credentials.token}`
    case 'basic': {
      // RFC 7617 §2.1: UTF-8 is what servers expect for non-ASCII user ids and passwords.
      const pair = `${credentials.username}:${credentials.password}`
      return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`
    }
    case 'none':
      return undefined
  }
}

function errorResource(body: string): TaxiiErrorResource | undefined {
  try {
    const value: unknown = JSON.parse(body)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const title = (value as Record<string, unknown>).title
      if (typeof title === 'string') return value as TaxiiErrorResource
    }
  } catch {
    // A proxy's HTML error page, say: the status alone tells the story.
  }
  return undefined
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`
  // fetch reports every network failure as TypeError('fetch failed') with the reason as cause.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * Whether the connection failed because the server's certificate did not verify (T-205): no retry
 * changes that, only the operator can (a CA added with NODE_EXTRA_CA_CERTS, a corrected name).
 */
function untrustedCertificate(err: unknown): boolean {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
  const code = (cause as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && (CERTIFICATE_FAILURES.has(code) || code.startsWith('CERT_'))
}

/** OpenSSL's verification failures as Node reports them, beyond the `CERT_` ones. */
const CERTIFICATE_FAILURES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
])

/**
 * fetch over connections that present `certificate`: undici's own, as Node's global fetch takes no
 * TLS options. Loaded when first used, since most clients present none.
 */
function presenting(certificate: ClientCertificate): typeof fetch {
  let agent: Agent | undefined
  return (async (input: string, init: RequestInit) => {
    const undici = await import('undici')
    agent ??= new undici.Agent({ connect: { cert: certificate.cert, key: certificate.key } })
    return undici.fetch(input, { ...init, dispatcher: agent })
  }) as unknown as typeof fetch
}

/** Sends requests for a TaxiiClient; one per client, shared by its collection clients. */
export class HttpTransport {
  readonly #fetch: typeof fetch
  readonly #headers: Record<string, string>
  readonly #timeoutMs: number
  readonly #retries: number
  readonly #maxResponseBytes: number
  /** also the first delay between status polls */
  readonly minDelayMs: number
  readonly maxDelayMs: number
  readonly #onRetry: ((e: RetryEvent) => void) | undefined

  constructor(options: TaxiiClientOptions) {
    const certificate = options.credentials?.certificate
    this.#fetch = options.fetch ?? (certificate === undefined ? fetch : presenting(certificate))
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#retries = options.retries ?? 6
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES
    this.minDelayMs = options.minDelayMs ?? 1000
    this.maxDelayMs = options.maxDelayMs ?? 60_000
    this.#onRetry = options.onRetry
    this.#headers = {
      accept: TAXII_MEDIA_TYPE,
      'user-agent': options.userAgent ?? defaultUserAgent(),
    }
    const auth = authorization(options.credentials ?? { kind: 'none' })
    if (auth !== undefined) this.#headers.authorization = auth
  }

  /** Exponential backoff with full jitter: uniform below a ceiling doubling from minDelayMs. */
  #backoffMs(retriesConsumed: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** retriesConsumed)
    return Math.round(Math.random() * ceiling)
  }

  /** Sends one request, retrying per T-212; resolves with a 2xx answer or throws. */
  async send(method: 'GET' | 'POST' | 'DELETE', url: string, body?: string): Promise<HttpAnswer> {
    const headers = { ...this.#headers }
    if (body !== undefined) headers['content-type'] = TAXII_MEDIA_TYPE

    let reason = ''
    const attempt = async (): Promise<HttpAnswer> => {
      let res: Response
      let text: string
      try {
        res = await this.#fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
        })
        text = await readBody(res, this.#maxResponseBytes)
      } catch (err) {
        // a server that answers so much answers it again: no retry
        if (err instanceof ResponseTooLarge) {
          throw new AbortError(new TaxiiProtocolError(`${method} ${url}: ${err.message}`, url))
        }
        reason = describeFailure(err, this.#timeoutMs)
        const error = new TaxiiNetworkError(`${method} ${url}: ${reason}`, url, { cause: err })
        throw untrustedCertificate(err) ? new AbortError(error) : error
      }
      if (res.ok) return { status: res.status, headers: res.headers, body: text, url }

      reason = `HTTP ${res.status}`
      const resource = errorResource(text)
      // the description says why (which filter, which claim), where the title only names the kind
      const detail =
        resource === undefined
          ? res.statusText
          : `${resource.title}${typeof resource.description === 'string' ? ` (${resource.description})` : ''}`
      const error = new TaxiiHttpError(`${method} ${url}: HTTP ${res.status} ${detail}`.trim(), {
        status: res.status,
        url,
        resource,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      })
      throw RETRYABLE_STATUS.has(res.status) ? error : new AbortError(error)
    }

    return pRetry(attempt, {
      retries: this.#retries,
      // p-retry only counts; the wait is ours, so Retry-After and full jitter can decide it.
      minTimeout: 0,
      shouldRetry: async ({ error, attemptNumber, retriesConsumed }) => {
        const retryAfter = error instanceof TaxiiHttpError ? error.retryAfterMs : undefined
        const delayMs =
          retryAfter === undefined
            ? this.#backoffMs(retriesConsumed)
            : Math.min(retryAfter, this.maxDelayMs)
        this.#onRetry?.({ url, attempt: attemptNumber, delayMs, reason })
        await sleep(delayMs)
        return true
      },
    })
  }

  /** GETs or POSTs and reads the TAXII resource from a 2xx answer. */
  async json(
    method: 'GET' | 'POST',
    url: string,
    body?: string,
  ): Promise<{ value: unknown; answer: HttpAnswer }> {
    const answer = await this.send(method, url, body)
    const type = answer.headers.get('content-type')
    if (!isTaxiiJsonContentType(type)) {
      throw new TaxiiProtocolError(
        `${method} ${url}: answered with Content-Type ${type ?? '(none)'}, not TAXII JSON`,
        url,
      )
    }
    try {
      return { value: JSON.parse(answer.body) as unknown, answer }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      throw new TaxiiProtocolError(`${method} ${url}: the body is not JSON (${reason})`, url)
    }
  }
}
