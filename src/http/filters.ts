/**
 * URL query parameters of the collection endpoints (TAXII 2.1 §3.4, checklist section I), parsed
 * into one normalised filter set. Every malformed accepted parameter is a 400 (T-101).
 */

import { badQuery } from '../errors.js'
import { isStixTimestamp, parseAddedAfter, versionKey } from '../stix/timestamps.js'

export type FilterEndpoint = 'objects' | 'manifest' | 'object' | 'delete' | 'versions'

/** `exact` holds versionKey()s, deduplicated. */
export interface VersionSelector {
  all: boolean
  first: boolean
  last: boolean
  exact: string[]
}

export interface Filters {
  /** TAXII µs timestamp (T-011), normalised by parseAddedAfter. */
  added_after?: string
  /** Client limit, 1..2^53−1; the server cap is applied elsewhere (T-129). */
  limit?: number
  /** Raw opaque token, only syntax-checked here (T-128). */
  next?: string
  match_id?: string[]
  match_type?: string[]
  /**
   * Always set for objects/manifest/object (default `last`, T-117); for delete only when given
   * (undefined = every version, T-187); never for versions (not an accepted parameter there).
   */
  match_version?: VersionSelector
  /** Undefined = default: latest spec version per object (T-122), except on delete (T-187). */
  match_spec_version?: string[]
}

type Param =
  | 'added_after'
  | 'limit'
  | 'next'
  | 'match[id]'
  | 'match[type]'
  | 'match[version]'
  | 'match[spec_version]'

const ALL_PARAMS: readonly Param[] = [
  'added_after',
  'limit',
  'next',
  'match[id]',
  'match[type]',
  'match[version]',
  'match[spec_version]',
]

// Section I table; parameters an endpoint does not list are ignored (T-113).
const ACCEPTED: Record<FilterEndpoint, readonly Param[]> = {
  objects: ALL_PARAMS,
  manifest: ALL_PARAMS,
  object: ['added_after', 'limit', 'next', 'match[version]', 'match[spec_version]'],
  delete: ['match[version]', 'match[spec_version]'],
  versions: ['added_after', 'limit', 'next', 'match[spec_version]'],
}

const TYPE_NAME = /^[a-z][a-z0-9-]{2,249}$/
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const SPEC_VERSION = /^\d+\.\d+$/
const NEXT_TOKEN = /^[A-Za-z0-9_-]+$/

const isTypeName = (s: string): boolean => TYPE_NAME.test(s) && !s.includes('--')

// The uuid has a fixed length: splitting from the end stays unambiguous for a type ending in `-`.
const isStixId = (s: string): boolean =>
  s.length > 38 &&
  s.slice(-38, -36) === '--' &&
  isTypeName(s.slice(0, -38)) &&
  UUID.test(s.slice(-36))

// Error descriptions quote client input, bounded so a huge value cannot bloat the response.
const show = (v: string): string => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)

type Query = Record<string, string | string[] | undefined>

function single(query: Query, name: Param): string | undefined {
  const v = Object.hasOwn(query, name) ? query[name] : undefined
  if (!Array.isArray(v)) return v
  if (v.length > 1) throw badQuery(`${name}: must not appear more than once`)
  return v[0]
}

function items(name: Param, raw: string, check: (item: string) => boolean, what: string): string[] {
  const parts = raw.split(',').map((item) => item.replace(/^ +| +$/g, ''))
  for (const item of parts) {
    if (item === '') throw badQuery(`${name}: empty item in comma-separated list ${show(raw)}`)
    if (!check(item)) throw badQuery(`${name}: ${show(item)} is not ${what}`)
  }
  return parts
}

// Items are OR-ed (T-111), so repeats inside one list are harmless and dropped.
const unique = (xs: string[]): string[] => [...new Set(xs)]

function parseLimit(raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= Number.MAX_SAFE_INTEGER)) {
    throw badQuery(`limit: ${show(raw)} is not an integer between 1 and 2^53-1`)
  }
  return n
}

const KEYWORDS = ['all', 'first', 'last'] as const
const isKeyword = (v: string): v is (typeof KEYWORDS)[number] =>
  (KEYWORDS as readonly string[]).includes(v)

function parseVersion(raw: string): VersionSelector {
  const sel: VersionSelector = { all: false, first: false, last: false, exact: [] }
  const seen = new Set<string>()
  const what = 'first, last, all or a STIX timestamp'
  for (const v of items('match[version]', raw, (v) => isKeyword(v) || isStixTimestamp(v), what)) {
    // Same instant in another spelling (`…:01Z` vs `…:01.000Z`) is a repeat too (T-120).
    const key = isKeyword(v) ? v : versionKey(v)
    if (seen.has(key)) throw badQuery(`match[version]: ${show(v)} repeats a value already given`)
    seen.add(key)
    if (isKeyword(v)) sel[v] = true
    else sel.exact.push(key)
  }
  if (sel.all && seen.size > 1) {
    throw badQuery('match[version]: "all" cannot be combined with other values')
  }
  return sel
}

export function parseFilters(endpoint: FilterEndpoint, query: Query): Filters {
  const f: Filters = {}
  for (const name of ACCEPTED[endpoint]) {
    const raw = single(query, name)
    if (raw === undefined) continue
    switch (name) {
      case 'added_after': {
        const t = parseAddedAfter(raw)
        if (t === undefined) {
          throw badQuery(
            `added_after: ${show(raw)} is not an RFC 3339 timestamp of years 0001 to 9999`,
          )
        }
        f.added_after = t
        break
      }
      case 'limit':
        f.limit = parseLimit(raw)
        break
      case 'next':
        if (!NEXT_TOKEN.test(raw)) throw badQuery(`next: ${show(raw)} is not a valid next token`)
        f.next = raw
        break
      case 'match[id]':
        f.match_id = unique(items(name, raw, isStixId, 'a STIX id (<type>--<uuid>)'))
        break
      case 'match[type]':
        f.match_type = unique(items(name, raw, isTypeName, 'a STIX type name'))
        break
      case 'match[version]':
        f.match_version = parseVersion(raw)
        break
      case 'match[spec_version]':
        f.match_spec_version = unique(
          items(name, raw, (v) => SPEC_VERSION.test(v), 'of the form n.m (e.g. 2.1)'),
        )
        break
    }
  }
  if (f.match_version === undefined && endpoint !== 'delete' && endpoint !== 'versions') {
    f.match_version = { all: false, first: false, last: true, exact: [] }
  }
  return f
}

const sorted = (v: string[] | undefined): string[] | null => (v ? unique(v).sort() : null)

/** Canonical text of the filter set without `limit` and `next`, so a next token can bind to it. */
export function filterFingerprint(endpoint: FilterEndpoint, f: Filters): string {
  const v = f.match_version
  const version = v ? [...KEYWORDS.filter((k) => v[k]), ...(sorted(v.exact) ?? [])] : null
  return JSON.stringify([
    endpoint,
    f.added_after ?? null,
    sorted(f.match_id),
    sorted(f.match_type),
    version,
    sorted(f.match_spec_version),
  ])
}
