/**
 * A small TAXII 2.1 server, independent of hydrawatch's own, that reproduces the habits of other
 * servers in the field so client and pull tests can meet them over real HTTP: capped or ignored
 * `limit`, paging with `next` or only by `added_after`, `more` without `next`, 500 on `next`
 * without `limit`, `next` tokens that expire, millisecond timestamps, a loose `Content-Type`,
 * `date_added` ties (the OASIS server stamps a whole POST with one value), scripted faults
 * (429/503 with `Retry-After`, dropped connections, stalls), HTTP Basic, and add-objects statuses
 * that stay `pending` for a while or are forgotten.
 *
 * What it does follow strictly: `added_after` keeps only records added strictly later (T-103),
 * `match[id]` / `match[type]` / `match[version]` / `match[spec_version]` with TAXII's defaults
 * (latest version, latest spec version; none on DELETE), and results in `date_added` order.
 *
 * @example
 * const server = await startQuirkyTaxiiServer({ objects: [indicator(1)], pageCap: 2 })
 * const collection = new TaxiiClient().collection(server.apiRootUrl, server.collectionId)
 * await server.close()
 */

import { Buffer } from 'node:buffer'
import { randomUUID } from 'node:crypto'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

const TAXII = 'application/taxii+json;version=2.1'

/** Answers the `request`-th request the server receives (1-based, every path counted). */
export type Fault =
  | { request: number; status: number; retryAfter?: string }
  | { request: number; destroy: true }
  /** waits this long before answering normally (a client that timed out has left by then) */
  | { request: number; stallMs: number }

export interface QuirkyServerOptions {
  /** initial content, stamped in order from the server clock (see tieDateAdded) */
  objects?: Record<string, unknown>[]
  /** page size when the client gives no limit (default 100) */
  defaultPageSize?: number
  /** largest page whatever the limit */
  pageCap?: number
  /** serve pages of the default size (or the cap) whatever the limit asks */
  ignoreLimit?: boolean
  /** `added_after-only`: never issues `next` (and ignores one), only `more` + the date headers */
  paging?: 'next' | 'added_after-only'
  /** `more: true` without `next` (the client must fall back on X-TAXII-Date-Added-Last) */
  moreWithoutNext?: boolean
  /** 500 when a request carries `next` but no `limit` */
  failNextWithoutLimit?: boolean
  /** a `next` unused for this long is unknown: 400 */
  nextExpiresMs?: number
  /** `date_added` and date headers with 3 fractional digits instead of 6 */
  millisecondTimestamps?: boolean
  /** Content-Type of every TAXII answer (default `application/taxii+json;version=2.1`) */
  contentType?: string
  /**
   * Initial objects get one `date_added` per run of this many; every POST stamps all its objects
   * with one value, as the OASIS reference server does.
   */
  tieDateAdded?: number
  faults?: Fault[]
  /** require these Basic credentials (401 otherwise) */
  basicAuth?: { username: string; password: string }
  /** status GETs answered `pending` before the status turns `complete` (the POST answers pending) */
  pendingPolls?: number
  /** status GETs answer 404, as if the status expired */
  forgetStatuses?: boolean
  /** API root `max_content_length` (default 10 MiB), enforced on POST */
  maxContentLength?: number
}

export interface RecordedRequest {
  method: string
  /** path and query as sent */
  url: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** request body as UTF-8 text ('' for none) */
  body: string
}

export interface StoredObject {
  id: string
  version: string
  date_added: string
  object: Record<string, unknown>
}

export interface QuirkyTaxiiServer {
  /** origin, e.g. `http://127.0.0.1:41234` */
  url: string
  discoveryUrl: string
  apiRootUrl: string
  collectionId: string
  collectionUrl: string
  /** every request received, in order */
  requests: RecordedRequest[]
  /** stores objects as if posted, or with this exact `date_added` (ties allowed) */
  add(objects: Record<string, unknown>[], dateAdded?: string): void
  /** every stored object version in `date_added` order */
  stored(): StoredObject[]
  close(): Promise<void>
}

interface Row {
  seq: number
  id: string
  type: string
  version: string
  versionUs: number
  spec_version: string
  addedUs: number
  object: Record<string, unknown>
}

interface Status {
  body: Record<string, unknown>
  pollsLeft: number
}

interface NextEntry {
  endpoint: string
  after: Row
  touched: number
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> }

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$/

/** Microseconds since the epoch of an RFC 3339 UTC timestamp, or undefined. */
function toMicros(ts: string): number | undefined {
  const m = TIMESTAMP.exec(ts)
  if (m === null) return undefined
  const n = (i: number) => Number(m[i])
  const ms = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6))
  if (Number.isNaN(ms)) return undefined
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0').slice(0, 6))
}

const byAdded = (a: Row, b: Row) => a.addedUs - b.addedUs || a.seq - b.seq

const errorBody = (status: number, title: string, description?: string) => ({
  title,
  description,
  http_status: String(status),
})

const fail = (status: number, title: string, description?: string): Answer => ({
  status,
  body: errorBody(status, title, description),
})

/** Starts the server on 127.0.0.1, port 0. */
export async function startQuirkyTaxiiServer(
  options: QuirkyServerOptions = {},
): Promise<QuirkyTaxiiServer> {
  const collectionId = randomUUID()
  const rows: Row[] = []
  const statuses = new Map<string, Status>()
  const nexts = new Map<string, NextEntry>()
  const requests: RecordedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  const step = options.millisecondTimestamps === true ? 1000 : 1
  const maxContentLength = options.maxContentLength ?? 10 * 1024 * 1024
  let seq = 0
  let lastStampUs = 0

  const format = (us: number): string => {
    const base = new Date(Math.floor(us / 1e6) * 1000).toISOString().slice(0, 19)
    const fraction = String(us % 1e6).padStart(6, '0')
    return `${base}.${options.millisecondTimestamps === true ? fraction.slice(0, 3) : fraction}Z`
  }

  const stamp = (): number => {
    const now = Math.floor((Date.now() * 1000) / step) * step
    lastStampUs = Math.max(now, lastStampUs + step)
    return lastStampUs
  }

  const versionOf = (o: Record<string, unknown>, addedUs: number): string => {
    if (typeof o.modified === 'string') return o.modified
    if (typeof o.created === 'string') return o.created
    return format(addedUs)
  }

  /** Stores one object unless that version is there already; false for a duplicate. */
  const store = (object: Record<string, unknown>, addedUs: number): boolean => {
    const id = object.id as string
    const version = versionOf(object, addedUs)
    const versionUs = toMicros(version) ?? addedUs
    if (rows.some((r) => r.id === id && r.versionUs === versionUs)) return false
    const specVersion = typeof object.spec_version === 'string' ? object.spec_version : '2.0'
    rows.push({
      seq: ++seq,
      id,
      type: object.type as string,
      version,
      versionUs,
      spec_version: specVersion,
      addedUs,
      object,
    })
    return true
  }

  const tie = options.tieDateAdded ?? 1
  let groupStamp = 0
  ;(options.objects ?? []).forEach((o, i) => {
    if (i % tie === 0) groupStamp = stamp()
    store(o, groupStamp)
  })

  // ---- filtering (TAXII 2.1 §3.4, in the order of T-123) ----

  const list = (q: URLSearchParams, name: string) => q.get(name)?.split(',')

  function select(candidates: Row[], q: URLSearchParams, defaults: boolean): Row[] | Answer {
    const ids = list(q, 'match[id]')
    const types = list(q, 'match[type]')
    const specs = list(q, 'match[spec_version]')
    const versions = list(q, 'match[version]') ?? (defaults ? ['last'] : ['all'])
    const addedAfterRaw = q.get('added_after')
    const addedAfter = addedAfterRaw === null ? undefined : toMicros(addedAfterRaw)
    if (addedAfterRaw !== null && addedAfter === undefined) {
      return fail(400, 'Bad added_after', addedAfterRaw)
    }
    let out = candidates.filter(
      (r) =>
        (ids === undefined || ids.includes(r.id)) &&
        (types === undefined || types.includes(r.type)) &&
        (specs === undefined || specs.includes(r.spec_version)) &&
        (addedAfter === undefined || r.addedUs > addedAfter),
    )
    if (specs === undefined && defaults) {
      const latest = new Map<string, string>()
      for (const r of out) {
        if ((latest.get(r.id) ?? '') < r.spec_version) latest.set(r.id, r.spec_version)
      }
      out = out.filter((r) => latest.get(r.id) === r.spec_version)
    }
    if (!versions.includes('all')) {
      const byId = new Map<string, Row[]>()
      for (const r of out) byId.set(r.id, [...(byId.get(r.id) ?? []), r])
      const keep = new Set<Row>()
      for (const group of byId.values()) {
        const ordered = [...group].sort((a, b) => a.versionUs - b.versionUs)
        for (const v of versions) {
          if (v === 'last') keep.add(ordered[ordered.length - 1]!)
          else if (v === 'first') keep.add(ordered[0]!)
          else {
            const us = toMicros(v)
            if (us === undefined) return fail(400, 'Bad match[version]', v)
            for (const r of group) if (r.versionUs === us) keep.add(r)
          }
        }
      }
      out = out.filter((r) => keep.has(r))
    }
    return out.sort(byAdded)
  }

  /** One page of `results`, with `more`, `next` and the date headers as configured. */
  function paginate(
    results: Row[],
    q: URLSearchParams,
    endpoint: string,
    render: (page: Row[]) => Record<string, unknown>,
  ): Answer {
    const limitRaw = q.get('limit')
    const limit = limitRaw === null ? undefined : Number(limitRaw)
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      return fail(400, 'Bad limit', limitRaw ?? '')
    }
    const nextParam = options.paging === 'added_after-only' ? null : q.get('next')
    if (nextParam !== null && limit === undefined && options.failNextWithoutLimit === true) {
      return fail(500, 'Internal error')
    }
    let remaining = results
    if (nextParam !== null) {
      const entry = nexts.get(nextParam)
      const expired =
        entry !== undefined &&
        options.nextExpiresMs !== undefined &&
        Date.now() - entry.touched > options.nextExpiresMs
      if (entry === undefined || expired || entry.endpoint !== endpoint) {
        nexts.delete(nextParam)
        return fail(400, 'Bad next', `${nextParam} is not valid or has expired`)
      }
      nexts.delete(nextParam)
      remaining = results.filter((r) => byAdded(r, entry.after) > 0)
    }
    const defaultSize = options.defaultPageSize ?? 100
    let size = options.ignoreLimit === true ? defaultSize : (limit ?? defaultSize)
    if (options.pageCap !== undefined) size = Math.min(size, options.pageCap)
    const page = remaining.slice(0, size)
    if (page.length === 0) return { status: 200, body: {} }

    const more = remaining.length > page.length
    const body: Record<string, unknown> = { more, ...render(page) }
    if (more && options.paging !== 'added_after-only' && options.moreWithoutNext !== true) {
      const token = randomUUID()
      nexts.set(token, { endpoint, after: page[page.length - 1]!, touched: Date.now() })
      body.next = token
    }
    return {
      status: 200,
      body,
      headers: {
        'x-taxii-date-added-first': format(page[0]!.addedUs),
        'x-taxii-date-added-last': format(page[page.length - 1]!.addedUs),
      },
    }
  }

  // ---- endpoints ----

  const apiRootPath = '/api1/'
  const collectionPath = `${apiRootPath}collections/${collectionId}/`
  const collectionResource = {
    id: collectionId,
    title: 'Quirky feed',
    can_read: true,
    can_write: true,
    media_types: ['application/stix+json;version=2.1'],
  }

  function getObjects(q: URLSearchParams, scope: Row[], endpoint: string): Answer {
    const results = select(scope, q, true)
    if (!Array.isArray(results)) return results
    return paginate(results, q, endpoint, (page) => ({ objects: page.map((r) => r.object) }))
  }

  function addObjects(body: string): Answer {
    let envelope: unknown
    try {
      envelope = JSON.parse(body)
    } catch {
      return fail(400, 'Malformed JSON')
    }
    const objects = (envelope as { objects?: unknown } | null)?.objects
    if (!Array.isArray(objects) || objects.length === 0) return fail(422, 'Not an envelope')
    const requestTimestamp = format(stamp())
    const envelopeStamp = options.tieDateAdded === undefined ? undefined : stamp()
    const successes: Record<string, string>[] = []
    const failures: Record<string, string>[] = []
    objects.forEach((o: unknown, i) => {
      const obj = o as Record<string, unknown>
      if (typeof obj?.id !== 'string' || typeof obj.type !== 'string') {
        failures.push({ id: `objects[${i}]`, version: 'unknown', message: 'no id or type' })
        return
      }
      const addedUs = envelopeStamp ?? stamp()
      store(obj, addedUs)
      successes.push({ id: obj.id, version: versionOf(obj, addedUs) })
    })
    const id = randomUUID()
    const complete = {
      id,
      status: 'complete',
      request_timestamp: requestTimestamp,
      total_count: objects.length,
      success_count: successes.length,
      ...(successes.length > 0 ? { successes } : {}),
      failure_count: failures.length,
      ...(failures.length > 0 ? { failures } : {}),
      pending_count: 0,
    }
    const polls = options.pendingPolls ?? 0
    statuses.set(id, { body: complete, pollsLeft: polls })
    return { status: 202, body: polls > 0 ? pendingView(complete) : complete }
  }

  const pendingView = (complete: Record<string, unknown>) => ({
    id: complete.id,
    status: 'pending',
    request_timestamp: complete.request_timestamp,
    total_count: complete.total_count,
    success_count: 0,
    failure_count: 0,
    pending_count: complete.total_count,
  })

  function getStatus(id: string): Answer {
    const status = statuses.get(id)
    if (status === undefined || options.forgetStatuses === true) return fail(404, 'Unknown status')
    if (status.pollsLeft > 0) {
      status.pollsLeft--
      return { status: 200, body: pendingView(status.body) }
    }
    return { status: 200, body: status.body }
  }

  function objectEndpoint(method: string, objectId: string, rest: string, q: URLSearchParams) {
    const scope = rows.filter((r) => r.id === objectId)
    if (scope.length === 0) return fail(404, 'Unknown object')
    const endpoint = `${objectId}/${rest}`
    if (rest === 'versions/') {
      const kept = new URLSearchParams()
      for (const name of ['added_after', 'match[spec_version]']) {
        const v = q.get(name)
        if (v !== null) kept.set(name, v)
      }
      kept.set('match[version]', 'all')
      const results = select(scope, kept, false)
      if (!Array.isArray(results)) return results
      return paginate(results, q, endpoint, (page) => ({ versions: page.map((r) => r.version) }))
    }
    if (method === 'DELETE') {
      const doomed = select(scope, q, false)
      if (!Array.isArray(doomed)) return doomed
      if (doomed.length === 0) return fail(404, 'Nothing selected')
      for (const r of doomed) rows.splice(rows.indexOf(r), 1)
      return { status: 200 }
    }
    const stripped = new URLSearchParams(q)
    stripped.delete('match[id]')
    stripped.delete('match[type]')
    return getObjects(stripped, scope, endpoint)
  }

  function route(method: string, path: string, q: URLSearchParams, body: string): Answer {
    if (path === '/taxii2/') {
      return {
        status: 200,
        body: { title: 'Quirky TAXII', default: apiRootPath, api_roots: [apiRootPath] },
      }
    }
    if (path === apiRootPath) {
      return {
        status: 200,
        body: { title: 'api1', versions: [TAXII], max_content_length: maxContentLength },
      }
    }
    const status = /^\/api1\/status\/([^/]+)\/$/.exec(path)
    if (status !== null) return getStatus(decodeURIComponent(status[1]!))
    if (path === `${apiRootPath}collections/`) {
      return { status: 200, body: { collections: [collectionResource] } }
    }
    if (!path.startsWith(collectionPath)) return fail(404, 'Not found')
    const rest = path.slice(collectionPath.length)
    if (rest === '') return { status: 200, body: collectionResource }
    if (rest === 'objects/' && method === 'POST') return addObjects(body)
    if (rest === 'objects/') return getObjects(q, rows, 'objects')
    if (rest === 'manifest/') {
      const results = select(rows, q, true)
      if (!Array.isArray(results)) return results
      return paginate(results, q, 'manifest', (page) => ({
        objects: page.map((r) => ({
          id: r.id,
          date_added: format(r.addedUs),
          version: r.version,
          media_type: `application/stix+json;version=${r.spec_version}`,
        })),
      }))
    }
    const object = /^objects\/([^/]+)\/((?:versions\/)?)$/.exec(rest)
    if (object !== null)
      return objectEndpoint(method, decodeURIComponent(object[1]!), object[2]!, q)
    return fail(404, 'Not found')
  }

  // ---- HTTP ----

  const expectedAuth =
    options.basicAuth === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`

  function answer(req: IncomingMessage, res: ServerResponse, body: string) {
    const target = new URL(req.url ?? '/', 'http://quirky')
    let result: Answer
    if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
      result = fail(401, 'Unauthorized')
      result.headers = { 'www-authenticate': 'Basic realm="quirky"' }
    } else if (!(req.headers.accept ?? '').includes('application/taxii+json')) {
      result = fail(406, 'Not acceptable')
    } else if (req.method === 'POST' && !(req.headers['content-type'] ?? '').includes('taxii')) {
      result = fail(415, 'Unsupported media type')
    } else if (req.method === 'POST' && Buffer.byteLength(body) > maxContentLength) {
      result = fail(413, 'Too large')
    } else {
      result = route(req.method ?? 'GET', target.pathname, target.searchParams, body)
    }
    const text = result.body === undefined ? '' : JSON.stringify(result.body)
    res.writeHead(result.status, {
      'content-type': options.contentType ?? TAXII,
      'content-length': String(Buffer.byteLength(text)),
      ...result.headers,
    })
    res.end(text)
  }

  let count = 0
  const server = createServer((req, res) => {
    const n = ++count
    const target = new URL(req.url ?? '/', 'http://quirky')
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      query: target.searchParams,
      headers: req.headers,
      body: '',
    }
    requests.push(recorded)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      recorded.body = body
      const fault = options.faults?.find((f) => f.request === n)
      if (fault === undefined) return answer(req, res, body)
      if ('destroy' in fault) return req.socket.destroy()
      if ('stallMs' in fault) {
        const timer = setTimeout(() => {
          timers.delete(timer)
          if (!res.destroyed) answer(req, res, body)
        }, fault.stallMs)
        timers.add(timer)
        return
      }
      const text = JSON.stringify(errorBody(fault.status, 'Scripted fault'))
      res.writeHead(fault.status, {
        'content-type': TAXII,
        ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
      })
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  return {
    url,
    discoveryUrl: `${url}/taxii2/`,
    apiRootUrl: `${url}${apiRootPath}`,
    collectionId,
    collectionUrl: `${url}${collectionPath}`,
    requests,
    add(objects, dateAdded) {
      const fixed = dateAdded === undefined ? undefined : toMicros(dateAdded)
      if (dateAdded !== undefined && fixed === undefined) throw new TypeError(dateAdded)
      if (fixed !== undefined) lastStampUs = Math.max(lastStampUs, fixed)
      const envelopeStamp = options.tieDateAdded === undefined ? undefined : stamp()
      for (const o of objects) store(o, fixed ?? envelopeStamp ?? stamp())
    },
    stored() {
      return [...rows].sort(byAdded).map((r) => ({
        id: r.id,
        version: r.version,
        date_added: format(r.addedUs),
        object: r.object,
      }))
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}
