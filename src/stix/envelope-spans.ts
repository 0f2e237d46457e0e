/**
 * Finds the elements of an Add Objects body in its bytes, for a body that is UTF-8 (the caller
 * checks), so that the body never becomes one JS string. A string over 128 kB goes to V8's
 * large-object space, which maps fresh memory for each one: turning a 770 kB envelope into a
 * string cost the hub 3.1 ms (4 ns per byte, page faults), more than parsing it. Strings of one
 * element each stay in the ordinary heap, where that costs 0.07 ns per byte.
 *
 * Every byte JSON gives a meaning to is ASCII, and in UTF-8 no byte of a multi-byte character is
 * below 0x80, so the scan walks the bytes of any UTF-8 body as it would those of an ASCII one.
 *
 * Only a well-formed envelope is read here: a top-level object with one `objects` member holding
 * a non-empty array of objects, every other member a JSON value. For anything else this returns
 * `undefined`, and the caller reads the body as a string, which says what is wrong. The pieces
 * between elements are checked here byte by byte; member names, other members' values and the
 * elements themselves are checked by `JSON.parse` of their own slices (the elements by the caller),
 * so what this accepts is JSON exactly when the whole body is.
 */

import {
  BACKSLASH,
  COLON,
  COMMA,
  LBRACE,
  LBRACKET,
  marksDecimal,
  QUOTE,
  RBRACE,
  RBRACKET,
} from './json-chars.js'

/**
 * Where each element of `objects` lies, how many `:` it holds (for duplicate names), and whether
 * it holds a number written with a fraction or an exponent (for integers so written, S-019).
 */
export interface ElementSpans {
  starts: number[]
  ends: number[]
  colons: number[]
  decimals: boolean[]
}

/**
 * The spans of the `objects` elements of a UTF-8 body, or `undefined` when the body is not a
 * well-formed envelope of at most `maxObjects` objects (elements still to be parsed by the caller).
 */
export function envelopeSpans(b: Buffer, maxObjects: number): ElementSpans | undefined {
  let i = skipWs(b, 0)
  if (byteAt(b, i) !== LBRACE) return undefined
  i = skipWs(b, i + 1)
  let spans: ElementSpans | undefined
  for (;;) {
    if (byteAt(b, i) !== QUOTE) return undefined
    const keyEnd = skipString(b, i)
    if (keyEnd < 0) return undefined
    const key = parsed(b, i, keyEnd)
    i = skipWs(b, keyEnd)
    if (typeof key !== 'string' || byteAt(b, i) !== COLON) return undefined
    i = skipWs(b, i + 1)
    if (key === 'objects') {
      if (spans !== undefined || byteAt(b, i) !== LBRACKET) return undefined
      spans = { starts: [], ends: [], colons: [], decimals: [] }
      i = readElements(b, i, spans, maxObjects)
    } else {
      const end = skipValue(b, i)
      if (end < 0 || parsed(b, i, end) === undefined) return undefined
      i = end
    }
    if (i < 0) return undefined
    i = skipWs(b, i)
    const next = byteAt(b, i)
    if (next === COMMA) i = skipWs(b, i + 1)
    else if (next === RBRACE) break
    else return undefined
  }
  return spans !== undefined && skipWs(b, i + 1) === b.length ? spans : undefined
}

/** `i` is at the array's `[`; returns the index past its `]`, or -1. */
function readElements(b: Buffer, i: number, spans: ElementSpans, maxObjects: number): number {
  i = skipWs(b, i + 1)
  for (let k = 0; k < maxObjects; k++) {
    if (byteAt(b, i) !== LBRACE) return -1
    spans.starts.push(i)
    i = skipContainer(b, i, spans.colons, spans.decimals)
    if (i < 0) return -1
    spans.ends.push(i)
    i = skipWs(b, i)
    const next = byteAt(b, i)
    if (next === RBRACKET) return i + 1
    if (next !== COMMA) return -1
    i = skipWs(b, i + 1)
  }
  return -1
}

/**
 * The JSON value of `b[start, end)`, or `undefined` when that is not JSON. Read as Latin-1, which
 * is faster: a UTF-8 character becomes two to four characters of U+0080..U+00FF, which JSON takes
 * wherever it took the character, so the verdict is the same. Only the name `objects` is compared,
 * and it has no such character.
 */
function parsed(b: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(b.toString('latin1', start, end)) as unknown
  } catch {
    return undefined
  }
}

/**
 * The byte at `i`, or -1 past the end. Every read here stays within bounds: a typed-array read
 * past the end (`undefined`) makes V8 compile that read for both outcomes, and a byte loop written
 * so ran at half the speed.
 */
const byteAt = (b: Buffer, i: number): number => (i < b.length ? b[i]! : -1)

function skipWs(b: Buffer, i: number): number {
  const n = b.length
  while (i < n) {
    const c = b[i]!
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
  return i
}

/** Bytes of a string walked one by one before the rest is searched natively (skipString). */
const WALKED_STRING_BYTES = 16

/**
 * `i` is at an opening quote; returns the index past the closing one, or -1. The first bytes are
 * walked in JS, as a native call per string cost more than walking short STIX strings; the rest
 * of a longer one (descriptions, patterns: most of an envelope's bytes) is searched with
 * `indexOf`, a quote being the closing one when an even number of backslashes precede it.
 */
function skipString(b: Buffer, i: number): number {
  const walked = Math.min(b.length, i + 1 + WALKED_STRING_BYTES)
  for (i++; i < walked;) {
    const c = b[i++]!
    if (c === QUOTE) return i
    if (c === BACKSLASH) i++
  }
  for (;;) {
    const quote = b.indexOf(QUOTE, i)
    if (quote < 0) return -1
    let backslashes = 0
    while (b[quote - 1 - backslashes] === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return quote + 1
    i = quote + 1
  }
}

/**
 * `i` is at `{` or `[`; returns the index past its match, or -1, and pushes its `:` count and
 * whether it holds a number with a fraction or an exponent.
 */
function skipContainer(b: Buffer, i: number, colons: number[], decimals?: boolean[]): number {
  const n = b.length
  let depth = 0
  let members = 0
  let decimal = false
  while (i < n) {
    const c = b[i]!
    if (c === QUOTE) {
      i = skipString(b, i)
      if (i < 0) return -1
      continue
    }
    i++
    if (c === LBRACE || c === LBRACKET) depth++
    else if (c === RBRACE || c === RBRACKET) {
      if (--depth === 0) {
        colons.push(members)
        decimals?.push(decimal)
        return i
      }
    } else if (c === COLON) members++
    // past the container's first byte, so i - 2 is within it
    else if (marksDecimal(c, b[i - 2]!)) decimal = true
  }
  return -1
}

/** Past the value at `i` (its end, not its validity: the caller parses it), or -1. */
function skipValue(b: Buffer, i: number): number {
  const c = byteAt(b, i)
  if (c === QUOTE) return skipString(b, i)
  if (c === LBRACE || c === LBRACKET) return skipContainer(b, i, [])
  const n = b.length
  while (i < n) {
    const d = b[i]!
    if (d === COMMA || d === RBRACE || d === RBRACKET || d <= 0x20) return i
    i++
  }
  return i
}
