/** The URL query of collection requests (TAXII 2.1 §3.4). */

/** Filters of Get Objects and Get Object Manifests (§3.4, T-100..T-124). */
export interface ObjectFilters {
  /** a TAXII timestamp: only records added strictly later (T-103) */
  added_after?: string
  /** each list is sent as one comma-separated `match[<field>]` (values OR-ed, fields AND-ed) */
  match?: { id?: string[]; type?: string[]; version?: string[]; spec_version?: string[] }
}

/** One request's parameters; `next` continues an earlier answer. */
export interface PageQuery extends ObjectFilters {
  limit?: number
  next?: string
}

const MATCH_FIELDS = ['id', 'type', 'version', 'spec_version'] as const

// `,` separates values (T-112) and `:` fills timestamps: both are legal in a query as they are, and
// servers that split before decoding would read `%2C` as part of a value.
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/%2C/g, ',').replace(/%3A/g, ':')

/**
 * `url` (ending in `/`) with the query for these parameters, in a fixed order.
 *
 * @example
 * withQuery('https://x/api/collections/c/objects/', { limit: 50, match: { type: ['indicator'] } })
 * // 'https://x/api/collections/c/objects/?match[type]=indicator&limit=50'
 */
export function withQuery(url: string, query: PageQuery): string {
  const parts: string[] = []
  for (const field of MATCH_FIELDS) {
    const values = query.match?.[field]
    if (values === undefined) continue
    if (values.length === 0) throw new TypeError(`match.${field} is empty: leave it out instead`)
    parts.push(`match[${field}]=${values.map(encode).join(',')}`)
  }
  if (query.added_after !== undefined) parts.push(`added_after=${encode(query.added_after)}`)
  if (query.limit !== undefined) {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new TypeError(`limit must be a positive integer, got ${query.limit}`)
    }
    parts.push(`limit=${query.limit}`)
  }
  if (query.next !== undefined) parts.push(`next=${encode(query.next)}`)
  return parts.length === 0 ? url : `${url}?${parts.join('&')}`
}
