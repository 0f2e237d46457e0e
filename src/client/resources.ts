/**
 * The TAXII 2.1 resources a client reads (§4, §5), and their checks. A client must understand every
 * property (T-202) but servers differ in the details, so the checks insist only on what the client
 * relies on and keep every other property, custom ones included, as sent.
 */

import { TaxiiProtocolError } from './errors.js'

/** Discovery resource (§4.1.1) with `api_roots` and `default` as absolute URLs (T-207). */
export interface Discovery {
  title: string
  description?: string
  contact?: string
  default?: string
  /** Usable API roots, absolute, each ending in `/`; entries breaking T-069 are left out. */
  api_roots: string[]
  [property: string]: unknown
}

/** API root resource (§4.2.1). */
export interface ApiRootInfo {
  title: string
  description?: string
  versions: string[]
  /** Largest request body the server accepts, in octets: the bound for `packEnvelopes` (T-214). */
  max_content_length: number
  [property: string]: unknown
}

/** Collection resource (§5.2.1); `can_read`/`can_write` are this requester's rights. */
export interface CollectionInfo {
  id: string
  title: string
  description?: string
  alias?: string
  can_read: boolean
  can_write: boolean
  media_types?: string[]
  [property: string]: unknown
}

/** One entry of a status resource's `successes`, `failures` or `pendings` (§4.3.1). */
export interface StatusDetails {
  id: string
  version: string
  message?: string
  [property: string]: unknown
}

/** Status resource (§4.3.1) of an add-objects request. */
export interface TaxiiStatus {
  id: string
  status: 'complete' | 'pending'
  request_timestamp?: string
  total_count: number
  success_count: number
  successes?: StatusDetails[]
  failure_count: number
  failures?: StatusDetails[]
  pending_count: number
  pendings?: StatusDetails[]
  [property: string]: unknown
}

/** What every paged answer carries besides its records. */
export interface PageInfo {
  /** the response body text exactly as received (UTF-8), so callers can keep objects' exact text */
  body: string
  /** `more` of the body; absent means false (T-127) */
  more: boolean
  next?: string
  /** X-TAXII-Date-Added-First / -Last response headers, verbatim (may be ms or µs precision) */
  dateAddedFirst?: string
  dateAddedLast?: string
  /** the HTTP Date header (T-209: for skew detection only) */
  serverDate?: string
}

/** One page of Get Objects or Get an Object: an envelope (§3.7). */
export interface ObjectsPage extends PageInfo {
  objects: Record<string, unknown>[]
}

/** One record of a manifest (§5.3.1): one version of one object. */
export interface ManifestRecord {
  id: string
  date_added: string
  version: string
  media_type?: string
  [property: string]: unknown
}

/** One page of Get Object Manifests. */
export interface ManifestPage extends PageInfo {
  objects: ManifestRecord[]
}

/** One page of Get Object Versions (§5.8.1). */
export interface VersionsPage extends PageInfo {
  versions: string[]
}

type Json = Record<string, unknown>

const isJsonObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Checks one resource; messages name the resource and the URL it came from. */
class Reader {
  readonly value: Json
  readonly #what: string
  readonly #url: string

  constructor(value: unknown, what: string, url: string) {
    this.#what = what
    this.#url = url
    if (!isJsonObject(value)) throw this.fail('is not a JSON object')
    this.value = value
  }

  fail(problem: string): TaxiiProtocolError {
    return new TaxiiProtocolError(`${this.#what} from ${this.#url} ${problem}`, this.#url)
  }

  string(key: string): string {
    const v = this.value[key]
    if (typeof v !== 'string') throw this.fail(`has no string "${key}"`)
    return v
  }

  optionalString(key: string): string | undefined {
    const v = this.value[key]
    if (v === undefined) return undefined
    if (typeof v !== 'string') throw this.fail(`has a "${key}" that is not a string`)
    return v
  }

  boolean(key: string): boolean {
    const v = this.value[key]
    if (typeof v !== 'boolean') throw this.fail(`has no boolean "${key}"`)
    return v
  }

  count(key: string): number | undefined {
    const v = this.value[key]
    if (v === undefined) return undefined
    if (!Number.isSafeInteger(v) || (v as number) < 0) {
      throw this.fail(`has a "${key}" that is not a count`)
    }
    return v as number
  }

  list<T>(key: string, item: (v: unknown, index: number) => T): T[] | undefined {
    const v = this.value[key]
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw this.fail(`has a "${key}" that is not a list`)
    return v.map(item)
  }

  strings(key: string): string[] | undefined {
    return this.list(key, (v, i) => {
      if (typeof v !== 'string') throw this.fail(`has a ${key}[${i}] that is not a string`)
      return v
    })
  }
}

/**
 * An `api_roots` entry is usable when it is an absolute http(s) URL or a path starting with exactly
 * one `/`, without a query (T-069). Plain http stays allowed: loopback and test servers use it.
 */
function resolveApiRoot(entry: string, discoveryUrl: string): string | undefined {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(entry)
  if (!absolute && (!entry.startsWith('/') || entry.startsWith('//'))) return undefined
  let url: URL
  try {
    url = new URL(entry, discoveryUrl)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '') return undefined
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url.href
}

export function readDiscovery(value: unknown, url: string): Discovery {
  const r = new Reader(value, 'discovery', url)
  const roots = (r.strings('api_roots') ?? []).flatMap((e) => resolveApiRoot(e, url) ?? [])
  const discovery: Discovery = { ...r.value, title: r.string('title'), api_roots: roots }
  const fallback = r.optionalString('default')
  const resolved = fallback === undefined ? undefined : resolveApiRoot(fallback, url)
  if (resolved === undefined) delete discovery.default
  else discovery.default = resolved
  return discovery
}

export function readApiRoot(value: unknown, url: string): ApiRootInfo {
  const r = new Reader(value, 'API root', url)
  const max = r.count('max_content_length')
  if (max === undefined || max === 0) throw r.fail('has no positive "max_content_length"')
  return {
    ...r.value,
    title: r.string('title'),
    versions: r.strings('versions') ?? [],
    max_content_length: max,
  }
}

export function readCollection(value: unknown, url: string): CollectionInfo {
  const r = new Reader(value, 'collection', url)
  return {
    ...r.value,
    id: r.string('id'),
    title: r.string('title'),
    can_read: r.boolean('can_read'),
    can_write: r.boolean('can_write'),
  }
}

export function readCollections(value: unknown, url: string): CollectionInfo[] {
  const r = new Reader(value, 'collections', url)
  return r.list('collections', (v) => readCollection(v, url)) ?? []
}

function readDetails(value: unknown, url: string): StatusDetails {
  const r = new Reader(value, 'status details', url)
  return { ...r.value, id: r.string('id'), version: r.string('version') }
}

/**
 * Counts missing from a status are derived from its lists (and the total from the counts): some
 * servers in the field leave them out, and the lists say the same thing.
 */
export function readStatus(value: unknown, url: string): TaxiiStatus {
  const r = new Reader(value, 'status', url)
  const state = r.string('status')
  if (state !== 'complete' && state !== 'pending') {
    throw r.fail(`has status "${state}", neither "complete" nor "pending"`)
  }
  const details = (key: string) => r.list(key, (v) => readDetails(v, url))
  const successes = details('successes')
  const failures = details('failures')
  const pendings = details('pendings')
  const success_count = r.count('success_count') ?? successes?.length ?? 0
  const failure_count = r.count('failure_count') ?? failures?.length ?? 0
  const pending_count = r.count('pending_count') ?? pendings?.length ?? 0
  const status: TaxiiStatus = {
    ...r.value,
    id: r.string('id'),
    status: state,
    total_count: r.count('total_count') ?? success_count + failure_count + pending_count,
    success_count,
    failure_count,
    pending_count,
  }
  if (successes !== undefined) status.successes = successes
  if (failures !== undefined) status.failures = failures
  if (pendings !== undefined) status.pendings = pendings
  return status
}

/** `more`, `next` and the headers of a paged answer (§3.5, T-132). */
function readPageInfo(r: Reader, body: string, headers: Headers): PageInfo {
  const more = r.value.more
  if (more !== undefined && typeof more !== 'boolean') throw r.fail('has a non-boolean "more"')
  const info: PageInfo = { body, more: more === true }
  // Some servers send a numeric `next`; it is opaque either way.
  const next = r.value.next
  if (more === true && (typeof next === 'string' || typeof next === 'number') && next !== '') {
    info.next = String(next)
  }
  const first = headers.get('x-taxii-date-added-first')
  const last = headers.get('x-taxii-date-added-last')
  const date = headers.get('date')
  if (first !== null) info.dateAddedFirst = first.trim()
  if (last !== null) info.dateAddedLast = last.trim()
  if (date !== null) info.serverDate = date
  return info
}

export function readObjectsPage(value: unknown, body: string, headers: Headers, url: string) {
  const r = new Reader(value, 'envelope', url)
  const objects =
    r.list('objects', (v, i) => {
      if (!isJsonObject(v)) throw r.fail(`has an objects[${i}] that is not a JSON object`)
      return v
    }) ?? []
  return { ...readPageInfo(r, body, headers), objects } satisfies ObjectsPage
}

export function readManifestPage(value: unknown, body: string, headers: Headers, url: string) {
  const r = new Reader(value, 'manifest', url)
  const objects =
    r.list('objects', (v): ManifestRecord => {
      const record = new Reader(v, 'manifest record', url)
      return {
        ...record.value,
        id: record.string('id'),
        date_added: record.string('date_added'),
        version: record.string('version'),
      }
    }) ?? []
  return { ...readPageInfo(r, body, headers), objects } satisfies ManifestPage
}

export function readVersionsPage(value: unknown, body: string, headers: Headers, url: string) {
  const r = new Reader(value, 'versions', url)
  return {
    ...readPageInfo(r, body, headers),
    versions: r.strings('versions') ?? [],
  } satisfies VersionsPage
}
