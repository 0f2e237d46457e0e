/**
 * TAXII/STIX media types and the `Accept` / `Content-Type` checks built on them. Shared by the
 * server and the client, so it must stay free of fastify and any I/O.
 *
 * @see TAXII 2.1 §1.6.8, §3.1 (T-020..T-030)
 * @see RFC 9110 §8.3.1 (media type syntax), §12.5.1 (Accept)
 */

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1'
export const STIX_21_MEDIA_TYPE = 'application/stix+json;version=2.1'
export const STIX_20_MEDIA_TYPE = 'application/stix+json;version=2.0'

export interface MediaType {
  /** Lower-cased. */
  type: string
  /** Lower-cased. */
  subtype: string
  /** Names lower-cased; values unquoted but otherwise verbatim (their case may matter). */
  params: Record<string, string>
}

const TAXII_TYPE = 'application'
const TAXII_SUBTYPE = 'taxii+json'
const TAXII_VERSION = '2.1'

// RFC 9110 §5.6.2 tchar, indexed by char code.
const TCHAR = new Uint8Array(128)
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1

const isTchar = (c: number): boolean => c < 128 && TCHAR[c] === 1
const isOws = (c: number): boolean => c === 0x20 || c === 0x09

/**
 * Parses one media type (or `Accept` media range: `*` is a tchar, so `*\/*` and `type/*` parse
 * too, and `q` comes back as an ordinary parameter). Returns `undefined` for anything that does
 * not follow RFC 9110, including a parameter named twice: `version=2.0;version=2.1` has no
 * meaning we could act on.
 *
 * @example
 * parseMediaType('Application/TAXII+JSON ; Version="2.1"')
 * // { type: 'application', subtype: 'taxii+json', params: { version: '2.1' } }
 */
export function parseMediaType(value: string): MediaType | undefined {
  const n = value.length
  let i = 0
  while (i < n && isOws(value.charCodeAt(i))) i++

  const typeStart = i
  while (i < n && isTchar(value.charCodeAt(i))) i++
  if (i === typeStart || value.charCodeAt(i) !== 0x2f /* / */) return undefined
  const type = value.slice(typeStart, i).toLowerCase()
  i++
  const subtypeStart = i
  while (i < n && isTchar(value.charCodeAt(i))) i++
  if (i === subtypeStart) return undefined
  const subtype = value.slice(subtypeStart, i).toLowerCase()

  const params: Record<string, string> = Object.create(null) as Record<string, string>
  for (;;) {
    while (i < n && isOws(value.charCodeAt(i))) i++
    if (i === n) break
    if (value.charCodeAt(i) !== 0x3b /* ; */) return undefined
    i++
    while (i < n && isOws(value.charCodeAt(i))) i++
    // `parameters = *( OWS ";" OWS [ parameter ] )`: empty parameters are legal.
    if (i === n || value.charCodeAt(i) === 0x3b) continue

    const nameStart = i
    while (i < n && isTchar(value.charCodeAt(i))) i++
    if (i === nameStart || value.charCodeAt(i) !== 0x3d /* = */) return undefined
    const name = value.slice(nameStart, i).toLowerCase()
    i++

    let paramValue: string
    if (value.charCodeAt(i) === 0x22 /* " */) {
      i++
      let out = ''
      let closed = false
      while (i < n) {
        const c = value.charCodeAt(i)
        if (c === 0x22) {
          closed = true
          i++
          break
        }
        if (c === 0x5c /* \ */) {
          i++
          if (i === n || !isQuotedPairChar(value.charCodeAt(i))) return undefined
          out += value[i]
        } else {
          if (!isQdtext(c)) return undefined
          out += value[i]
        }
        i++
      }
      if (!closed) return undefined
      paramValue = out
    } else {
      const valueStart = i
      while (i < n && isTchar(value.charCodeAt(i))) i++
      if (i === valueStart) return undefined
      paramValue = value.slice(valueStart, i)
    }
    if (name in params) return undefined
    params[name] = paramValue
  }
  return { type, subtype, params: { ...params } }
}

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
const isQdtext = (c: number): boolean =>
  c === 0x09 ||
  c === 0x20 ||
  c === 0x21 ||
  (c >= 0x23 && c <= 0x5b) ||
  (c >= 0x5d && c <= 0x7e) ||
  (c >= 0x80 && c <= 0xff)

// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
const isQuotedPairChar = (c: number): boolean =>
  c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff)

/** Splits a header list on commas that are not inside a quoted-string; drops empty elements. */
function splitHeaderList(value: string): string[] {
  const parts: string[] = []
  let start = 0
  let inQuote = false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (inQuote) {
      if (c === 0x5c) i++
      else if (c === 0x22) inQuote = false
    } else if (c === 0x22) inQuote = true
    else if (c === 0x2c /* , */) {
      parts.push(value.slice(start, i))
      start = i + 1
    }
  }
  parts.push(value.slice(start))
  return parts.filter((p) => p.trim() !== '')
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

/**
 * Whether a request with this `Accept` header may be answered with TAXII 2.1 (else 406).
 *
 * The quality of `application/taxii+json;version=2.1` is taken from the most specific range that
 * matches it (RFC 9110 §12.5.1), so `*\/*, application/taxii+json;q=0` refuses. Specificity, high
 * to low: `application/taxii+json;version=2.1`, bare `application/taxii+json` (T-024: no version
 * means the latest we serve), `application/*`, `*\/*`. A range with any other `version` never
 * matches; unknown parameters are ignored (T-026); a range that does not parse is skipped.
 *
 * @see T-023, T-024, T-025 (HUB: missing, empty, `*\/*`, `application/*` are served), T-026
 * @example
 * acceptsTaxii21('application/json, application/*;q=0.1') // true
 * acceptsTaxii21('application/taxii+json;version=2.0') // false
 */
export function acceptsTaxii21(accept: string | undefined): boolean {
  if (accept === undefined) return true
  const ranges = splitHeaderList(accept)
  if (ranges.length === 0) return true

  let bestSpecificity = -1
  let bestQuality = 0
  for (const raw of ranges) {
    const range = parseMediaType(raw)
    if (range === undefined) continue
    let specificity: number
    if (range.type === '*' && range.subtype === '*') specificity = 0
    else if (range.type === TAXII_TYPE && range.subtype === '*') specificity = 1
    else if (range.type === TAXII_TYPE && range.subtype === TAXII_SUBTYPE) {
      const version = range.params.version
      if (version === undefined) specificity = 2
      else if (version === TAXII_VERSION) specificity = 3
      else continue
    } else continue

    const q = range.params.q
    let quality = 1
    if (q !== undefined) {
      if (!QVALUE.test(q)) continue
      quality = Number(q)
    }
    // Equal specificity twice (`…;q=0, …`) is contradictory; the client asked for it at least
    // once, so the higher quality wins.
    if (
      specificity > bestSpecificity ||
      (specificity === bestSpecificity && quality > bestQuality)
    ) {
      bestSpecificity = specificity
      bestQuality = quality
    }
  }
  return bestQuality > 0
}

/**
 * Whether a request `Content-Type` is one the hub parses (else 415): `application/taxii+json`
 * with `version=2.1` or no version, optionally `charset=utf-8`; no other parameter.
 *
 * @see T-027, T-028, T-029 (HUB)
 * @example
 * isTaxiiContentType('application/taxii+json; version=2.1; charset=UTF-8') // true
 * isTaxiiContentType('application/json') // false
 */
export function isTaxiiContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const mt = parseMediaType(contentType)
  if (mt === undefined || mt.type !== TAXII_TYPE || mt.subtype !== TAXII_SUBTYPE) return false
  for (const [name, value] of Object.entries(mt.params)) {
    if (name === 'version') {
      if (value !== TAXII_VERSION) return false
    } else if (name === 'charset') {
      if (value.toLowerCase() !== 'utf-8') return false
    } else return false
  }
  return true
}

/**
 * Client-side check of a response `Content-Type`. Servers in the field add `charset=utf-8`,
 * spaces or their own parameters, so only what changes the meaning is checked: the media type,
 * a `version` other than 2.1, and a charset other than UTF-8 (TAXII is always UTF-8, T-006).
 *
 * @see T-021 (what the hub itself sends), T-020 (no version = latest)
 * @example
 * isTaxiiResponseContentType('application/taxii+json; charset=utf-8') // true
 * isTaxiiResponseContentType('application/taxii+json;version=2.0') // false
 */
export function isTaxiiResponseContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const mt = parseMediaType(contentType)
  if (mt === undefined || mt.type !== TAXII_TYPE || mt.subtype !== TAXII_SUBTYPE) return false
  const { version, charset } = mt.params
  if (version !== undefined && version !== TAXII_VERSION) return false
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') return false
  return true
}

const MEDIA_TYPE_BY_SPEC: Record<string, string> = {
  '2.1': STIX_21_MEDIA_TYPE,
  '2.0': STIX_20_MEDIA_TYPE,
}

/** The manifest media_type of an object of this spec version (T-144). */
export function mediaTypeForSpec(specVersion: string): string {
  return MEDIA_TYPE_BY_SPEC[specVersion] ?? `application/stix+json;version=${specVersion}`
}
