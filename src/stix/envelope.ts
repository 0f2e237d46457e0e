/**
 * Reads the body of an Add Objects request: one native `JSON.parse` of the whole body for the
 * values, plus one char-code scan (which may trust the grammar because `JSON.parse` accepted it)
 * for what `JSON.parse` cannot tell us: where each element's source text starts and ends, whether
 * `objects` is named twice, and whether an element breaks I-JSON. Parsing element slices one by
 * one instead measured as slow as the whole-body parse, and re-validating the grammar in JS cost
 * more than both.
 *
 * @see TAXII 2.1 §5.5, T-161, T-166, T-167, T-168; STIX 2.1 S-001, S-213
 */

import { isAscii, isUtf8 } from 'node:buffer'
import { setImmediate } from 'node:timers/promises'
import { invalidEnvelope, malformedJson } from '../errors.js'
import { envelopeSpans, type ElementSpans } from './envelope-spans.js'
import {
  BACKSLASH,
  COLON,
  COMMA,
  DIGIT_0,
  DIGIT_9,
  LBRACE,
  LBRACKET,
  marksDecimal,
  MINUS,
  QUOTE,
  RBRACE,
  RBRACKET,
} from './json-chars.js'
import { joinPath } from './schema/violation.js'

export interface EnvelopeItem {
  /** 0-based position in `objects`; names the element when it has no usable id (T-087). */
  index: number
  /**
   * The element's exact source, what gets stored (S-213, T-154): a substring of the body, or of a
   * body read as bytes (readUtf8Envelope) a view of its bytes. Not a string per element: 1,000
   * of them kept while an envelope waits on the database made the garbage collector copy them.
   */
  source: string | Buffer
  /** The element's parsed value. */
  value: unknown
  /** Why this element alone fails (T-168), e.g. `S-001 duplicate member name "id" at objects[3]`. */
  problem?: string
  /**
   * Whole numbers it writes with a fraction or an exponent (`50.0`, `5e1`), which `value` holds
   * as plain numbers: an integer so written breaks S-019 (spelledIntegerProblem).
   */
  decimals?: WholeDecimal[]
}

/** A whole number written with a fraction or an exponent, and where it is. */
export interface WholeDecimal {
  /** member names and indexes from the element down to the number */
  route: (string | number)[]
  /** the route as the validator names paths, e.g. `extensions.x.count` */
  path: string
  /** as written */
  spelling: string
}

export interface ReadEnvelopeOptions {
  /** Most elements accepted in `objects`; more is an envelope-level 422 (T-167). */
  maxObjects: number
  /**
   * How problems name element `index` and the paths inside it: `objects[index]` by default, as an
   * envelope's status lists them; `''` names paths from the element itself, for an object read
   * alone (`hydrawatch validate` on JSON Lines or a file of one object).
   */
  elementPath?: (index: number) => string
}

const envelopePath = (index: number): string => `objects[${index}]`

/**
 * Splits a TAXII envelope, given as text or as the bytes of a request, into its elements.
 *
 * Throws `malformedJson` (400) when the body is not JSON, and `invalidEnvelope` (422) when it is
 * JSON but not an envelope: not an object, `objects` missing, named twice, not an array, empty,
 * longer than `maxObjects`, or holding an element that is not an object (T-167). Members other
 * than `objects` are ignored (T-166). Duplicate member names, lone surrogates or noncharacters,
 * and numbers beyond a double (I-JSON, S-001) inside an element set that item's `problem` instead
 * of throwing.
 *
 * @example
 * const items = readEnvelope('{"objects":[{"type":"indicator"}]}', { maxObjects: 1000 })
 * items[0].source // '{"type":"indicator"}'
 */
export function readEnvelope(body: string | Buffer, opts: ReadEnvelopeOptions): EnvelopeItem[] {
  if (!Number.isSafeInteger(opts.maxObjects) || opts.maxObjects < 1) {
    throw new TypeError(`maxObjects must be a positive integer, got ${opts.maxObjects}`)
  }
  if (typeof body !== 'string') {
    const items = readUtf8Envelope(body, opts)
    return items ?? readEnvelope(decodeBody(body), opts)
  }

  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (err) {
    throw malformedJson(describeSyntaxError(body, err))
  }

  if (!isJsonObject(parsed)) {
    throw invalidEnvelope(`the body is ${kindOf(parsed)}, not an envelope object`)
  }
  if (!Object.hasOwn(parsed, 'objects')) {
    throw invalidEnvelope('the envelope has no "objects" member')
  }
  const objects = parsed.objects
  if (!Array.isArray(objects)) {
    throw invalidEnvelope(`"objects" is ${kindOf(objects)}, not an array`)
  }
  const count = objects.length
  if (count === 0) throw invalidEnvelope('"objects" is empty')
  if (count > opts.maxObjects) {
    throw invalidEnvelope(`"objects" has ${count} elements; the limit is ${opts.maxObjects}`)
  }
  for (let k = 0; k < count; k++) {
    const value: unknown = objects[k]
    if (!isJsonObject(value)) {
      throw invalidEnvelope(`objects[${k}] is ${kindOf(value)}, not a JSON object`)
    }
  }

  const starts = new Int32Array(count)
  const ends = new Int32Array(count)
  const colons = new Int32Array(count)
  const decimals = new Uint8Array(count)
  scanEnvelope(body, starts, ends, colons, decimals)

  // Bad code points are rare: whole-body checks let the common case skip per-element work. Both
  // are near-free on one-byte (Latin-1) strings, where no surrogate or noncharacter can occur.
  const flagged = new Uint8Array(count)
  if (!isWellFormed(body) || NONCHARACTER.test(body)) {
    for (let k = 0; k < count; k++) {
      const text = body.slice(starts[k], ends[k])
      if (!isWellFormed(text) || NONCHARACTER.test(text)) flagged[k] = 1
    }
  }
  flagEscapedCodePoints(body, starts, ends, flagged)

  const items = new Array<EnvelopeItem>(count)
  const walkStack: unknown[] = []
  const elementPath = opts.elementPath ?? envelopePath
  for (let k = 0; k < count; k++) {
    const text = body.slice(starts[k], ends[k])
    items[k] = envelopeItem(
      k,
      elementPath,
      text,
      text,
      objects[k],
      colons[k]!,
      flagged[k] === 1,
      decimals[k] === 1,
      walkStack,
    )
  }
  return items
}

/**
 * An element as readEnvelope gives it. `JSON.parse` keeps the last of duplicate names, so an
 * element holds duplicates exactly when it parsed to fewer members than it has `:` separators;
 * `suspect` says a faster check found a bad code point, and `decimal` that the scan saw a number
 * with a fraction or an exponent. The exact check (findProblem) decides, and lists those numbers
 * that are whole; the others only say where to look.
 */
function envelopeItem(
  index: number,
  elementPath: (index: number) => string,
  source: string | Buffer,
  text: string,
  value: unknown,
  colons: number,
  suspect: boolean,
  decimal: boolean,
  walkStack: unknown[],
): EnvelopeItem {
  const item: EnvelopeItem = { index, source, value }
  if (suspect || countMembers(value, walkStack) !== colons || decimal) {
    const decimals: WholeDecimal[] = []
    const problem = findProblem(text, elementPath(index), decimal ? decimals : undefined)
    if (problem !== undefined) item.problem = problem
    else if (decimals.length > 0) item.decimals = decimals
  }
  return item
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The text of a body: UTF-8, a leading byte order mark dropped (as `TextDecoder` does); a 400
 * when it is not UTF-8.
 */
export function decodeBody(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw malformedJson('the body is not valid UTF-8')
  }
}

/**
 * readEnvelope for a UTF-8 body, from its bytes (envelope-spans.ts), each element parsed from its
 * own text; `undefined` when the body is anything but a well-formed envelope in UTF-8, which the
 * string path then describes.
 */
export function readUtf8Envelope(
  bytes: Buffer,
  opts: ReadEnvelopeOptions,
): EnvelopeItem[] | undefined {
  const reader = Utf8Elements.of(bytes, opts)
  return reader !== undefined && reader.read(reader.count) ? reader.items : undefined
}

/**
 * readUtf8Envelope, handing each run of up to `run` elements to `each` as soon as it is read, so
 * that `each` can drop their parsed values before the next run is parsed; `undefined` as there,
 * found only once the element that is not JSON is reached.
 */
export async function readUtf8EnvelopeInRuns(
  bytes: Buffer,
  opts: ReadEnvelopeOptions,
  run: number,
  each: (items: EnvelopeItem[]) => Promise<void>,
): Promise<EnvelopeItem[] | undefined> {
  const reader = Utf8Elements.of(bytes, opts)
  if (reader === undefined) return undefined
  for (let read = 0; read < reader.count; read += run) {
    if (!reader.read(run)) return undefined
    await each(reader.items.slice(read, read + run))
  }
  return reader.items
}

/**
 * The elements of a UTF-8 envelope, read a run at a time (readUtf8EnvelopeInRuns) or all at
 * once.
 */
class Utf8Elements {
  readonly items: EnvelopeItem[]
  readonly #bytes: Buffer
  readonly #spans: ElementSpans
  readonly #ascii: boolean
  readonly #elementPath: (index: number) => string
  readonly #walkStack: unknown[] = []
  #next = 0

  private constructor(
    bytes: Buffer,
    spans: ElementSpans,
    ascii: boolean,
    opts: ReadEnvelopeOptions,
  ) {
    this.#bytes = bytes
    this.#spans = spans
    this.#ascii = ascii
    this.#elementPath = opts.elementPath ?? envelopePath
    this.items = new Array<EnvelopeItem>(spans.starts.length)
  }

  /**
   * A reader of the body's elements, or `undefined` when it is not UTF-8 (the string path says so)
   * or not a well-formed envelope.
   */
  static of(bytes: Buffer, opts: ReadEnvelopeOptions): Utf8Elements | undefined {
    // ASCII is checked first as it is the common case and its own check is the cheaper one
    const ascii = isAscii(bytes)
    if (!ascii && !isUtf8(bytes)) return undefined
    const spans = envelopeSpans(bytes, opts.maxObjects)
    return spans === undefined ? undefined : new Utf8Elements(bytes, spans, ascii, opts)
  }

  get count(): number {
    return this.items.length
  }

  /** Reads up to `n` more elements; false when one is not JSON. */
  read(n: number): boolean {
    const spans = this.#spans
    const end = Math.min(this.count, this.#next + n)
    for (let k = this.#next; k < end; k++) {
      const source = this.#bytes.subarray(spans.starts[k], spans.ends[k])
      // Latin-1 decodes ASCII faster than UTF-8 does, and to the same text
      const text = source.toString(this.#ascii ? 'latin1' : 'utf8')
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return false
      }
      this.items[k] = envelopeItem(
        k,
        this.#elementPath,
        source,
        text,
        value,
        spans.colons[k]!,
        // UTF-8 cannot encode a lone surrogate, so only a noncharacter or an escape is suspect
        (!this.#ascii && NONCHARACTER.test(text)) || hasBadEscape(text),
        spans.decimals[k]!,
        this.#walkStack,
      )
    }
    this.#next = end
    return true
  }
}

/**
 * Elements parsed between two turns of the event loop by readEnvelopeInTurns (~0.5 ms of work).
 */
const ELEMENTS_BETWEEN_YIELDS = 100

/**
 * readEnvelope, giving the event loop a turn every ELEMENTS_BETWEEN_YIELDS elements of an
 * envelope in UTF-8. Parsing 1,000 elements at once held the loop for ~5 ms, while another
 * envelope's COPY was in flight under its collection's lock and its replies waited unread: with
 * two posters the lock was held 36.0 ms per envelope of 1,000, and 32.5 ms when parsing made way
 * (means of 6 alternated runs), and ingest took 20,580 instead of 19,150 objects/s (5 runs).
 */
export async function readEnvelopeInTurns(
  body: string | Buffer,
  opts: ReadEnvelopeOptions,
): Promise<EnvelopeItem[]> {
  if (typeof body === 'string') return readEnvelope(body, opts)
  const items = await readUtf8EnvelopeInRuns(body, opts, ELEMENTS_BETWEEN_YIELDS, () =>
    setImmediate(),
  )
  if (items !== undefined) return items
  // as readEnvelope goes on with bytes it could not read so: as text, which says what is wrong
  return readEnvelope(decodeBody(body), opts)
}

// BMP noncharacters, and supplementary ones as raw surrogate pairs (U+xFFFE, U+xFFFF). Not a
// `/u` regex with `\p{…}` classes: that measured ~10x slower on two-byte strings.
const NONCHARACTER =
  /[\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/

// `String.prototype.isWellFormed` (native, Node 20+) is ES2024, beyond this project's `lib`.
const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed()

type JsonObject = Record<string, unknown>

const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const kindOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'object'
        ? 'an object'
        : `a ${typeof v}`

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
}

/** `i` is at an opening quote; returns the index just past the closing one. */
function skipString(s: string, i: number): number {
  let q = s.indexOf('"', i + 1)
  for (;;) {
    if (q < 0) throw new Error('envelope scan: unterminated string in accepted JSON')
    // A quote is escaped exactly when an odd run of backslashes precedes it.
    let k = q - 1
    while (s.charCodeAt(k) === BACKSLASH) k--
    if (((q - 1 - k) & 1) === 0) return q + 1
    q = s.indexOf('"', q + 1)
  }
}

/**
 * Skips the value starting at `i`; for a container, `colonsOut[slot]` receives its `:` count and
 * `decimalsOut[slot]` 1 if it holds a number with a fraction or an exponent.
 */
function skipValue(
  s: string,
  i: number,
  colonsOut?: Int32Array,
  slot = 0,
  decimalsOut?: Uint8Array,
): number {
  let c = s.charCodeAt(i)
  if (c === QUOTE) return skipString(s, i)
  if (c !== LBRACE && c !== LBRACKET) {
    // Number or literal: JSON.parse already checked it, only its end matters.
    for (;;) {
      c = s.charCodeAt(i)
      if (c === COMMA || c === RBRACE || c === RBRACKET || c <= 0x20 || Number.isNaN(c)) return i
      i++
    }
  }
  let depth = 0
  let members = 0
  let decimal = 0
  for (;;) {
    c = s.charCodeAt(i)
    if (c === QUOTE) {
      i = skipString(s, i)
      continue
    }
    i++
    if (c === LBRACE || c === LBRACKET) depth++
    else if (c === RBRACE || c === RBRACKET) {
      if (--depth === 0) break
    } else if (c === COLON) members++
    else if (Number.isNaN(c))
      throw new Error('envelope scan: unbalanced container in accepted JSON')
    else if (marksDecimal(c, s.charCodeAt(i - 2))) decimal = 1
  }
  if (colonsOut !== undefined) colonsOut[slot] = members
  if (decimalsOut !== undefined) decimalsOut[slot] = decimal
  return i
}

/** Whether the member name whose quotes span `[start, end)` is `objects`, escapes decoded. */
function isObjectsKey(s: string, start: number, end: number): boolean {
  const raw = s.slice(start + 1, end - 1)
  if (raw === 'objects') return true
  return raw.includes('\\') && JSON.parse(s.slice(start, end)) === 'objects'
}

/**
 * Records the source span and `:` count of every element of the envelope's `objects` array, and
 * rejects an envelope that names `objects` twice: which of two arrays was meant is unknowable.
 */
function scanEnvelope(
  s: string,
  starts: Int32Array,
  ends: Int32Array,
  colons: Int32Array,
  decimals: Uint8Array,
): void {
  let i = skipWs(s, 0) + 1
  let seen = false
  let found = -1
  for (;;) {
    i = skipWs(s, i)
    let c = s.charCodeAt(i)
    if (c === RBRACE) break
    if (c === COMMA) i = skipWs(s, i + 1)
    const keyEnd = skipString(s, i)
    const isObjects = isObjectsKey(s, i, keyEnd)
    i = skipWs(s, skipWs(s, keyEnd) + 1)
    if (!isObjects) {
      i = skipValue(s, i)
      continue
    }
    if (seen) throw invalidEnvelope('the envelope names "objects" more than once')
    seen = true
    if (s.charCodeAt(i) !== LBRACKET) {
      i = skipValue(s, i)
      continue
    }
    i++
    found = 0
    for (;;) {
      i = skipWs(s, i)
      c = s.charCodeAt(i)
      if (c === RBRACKET) break
      if (c === COMMA) i = skipWs(s, i + 1)
      // an array longer than the one JSON.parse kept is the first of two, refused when the second
      // is reached
      if (found < starts.length) {
        starts[found] = i
        i = skipValue(s, i, colons, found, decimals)
        ends[found] = i
      } else i = skipValue(s, i)
      found++
    }
    i++
  }
  if (found !== starts.length) throw new Error('envelope scan: element count differs from parse')
}

/** Value of the 4 hex digits at `i`, or -1. */
function hexAt(s: string, i: number): number {
  let v = 0
  for (let k = i; k < i + 4; k++) {
    const c = s.charCodeAt(k)
    const d =
      c >= 0x30 && c <= 0x39
        ? c - 0x30
        : c >= 0x61 && c <= 0x66
          ? c - 0x57
          : c >= 0x41 && c <= 0x46
            ? c - 0x37
            : -1
    if (d < 0) return -1
    v = (v << 4) | d
  }
  return v
}

/**
 * `p` is at a `\u` in JSON text: -1 when it escapes a lone surrogate or a noncharacter, else
 * where to look for the next `\u` (past it, or past its pair; `p + 2` when the backslash is
 * itself escaped, so that `\\u…` is text, not an escape).
 */
function pastEscape(s: string, p: number): number {
  let b = p - 1
  while (s.charCodeAt(b) === BACKSLASH) b--
  if (((p - 1 - b) & 1) === 1) return p + 2
  const cu = hexAt(s, p + 2)
  if (cu >= 0xd800 && cu <= 0xdbff) {
    const low =
      s.charCodeAt(p + 6) === BACKSLASH && s.charCodeAt(p + 7) === 0x75 ? hexAt(s, p + 8) : -1
    if (low < 0xdc00 || low > 0xdfff) return -1
    return isNoncharacter(((cu - 0xd800) << 10) + (low - 0xdc00) + 0x10000) ? -1 : p + 12
  }
  return (cu >= 0xdc00 && cu <= 0xdfff) || isNoncharacter(cu) ? -1 : p + 6
}

/**
 * Flags elements holding a `\uXXXX` escape of a lone surrogate or a noncharacter. Walks only the
 * `\u` occurrences, so text that escapes every non-ASCII character (Python's `json.dumps`
 * default) stays on the fast path: a well-formed escaped pair is not a reason to look closer.
 */
function flagEscapedCodePoints(
  s: string,
  starts: Int32Array,
  ends: Int32Array,
  flagged: Uint8Array,
): void {
  const count = starts.length
  let k = 0
  let p = s.indexOf('\\u')
  while (p >= 0) {
    while (k < count && (ends[k] ?? 0) <= p) k++
    if (k === count) return
    const start = starts[k] ?? 0
    if (p < start) {
      p = s.indexOf('\\u', start)
      continue
    }
    const next = pastEscape(s, p)
    if (next < 0) {
      flagged[k] = 1
      p = s.indexOf('\\u', ends[k])
    } else p = s.indexOf('\\u', next)
  }
}

/** Whether one element's text holds a `\uXXXX` escape of a lone surrogate or a noncharacter. */
function hasBadEscape(text: string): boolean {
  for (let p = text.indexOf('\\u'); p >= 0;) {
    const next = pastEscape(text, p)
    if (next < 0) return true
    p = text.indexOf('\\u', next)
  }
  return false
}

/**
 * Members in `root` and every object nested in it, without recursion (depth is unbounded); -1
 * when it holds a number beyond a double, which `JSON.parse` made ±Infinity (I-JSON, T-006), so
 * that the element goes to findProblem as one with duplicates would.
 */
function countMembers(root: unknown, stack: unknown[]): number {
  let total = 0
  stack.length = 0
  stack.push(root)
  while (stack.length > 0) {
    const v = stack.pop()
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === 'object' && x !== null) stack.push(x)
        else if (x === Infinity || x === -Infinity) return -1
      }
    } else {
      // Not `for…in`: an enumerable property added to Object.prototype would be counted.
      for (const x of Object.values(v as JsonObject)) {
        total++
        if (typeof x === 'object' && x !== null) stack.push(x)
        else if (x === Infinity || x === -Infinity) return -1
      }
    }
  }
  return total
}

interface Frame {
  path: string
  /** Member names seen so far; `undefined` for arrays. */
  names: Set<string> | undefined
  /** Current member name (objects) or element index (arrays). */
  name: string
  next: number
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function quoteName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)
}

// Paths in messages stay short even for absurd nesting; '' is the element itself.
function shortPath(path: string): string {
  if (path === '') return 'the top level'
  return path.length > 160 ? `${path.slice(0, 80)}…${path.slice(-80)}` : path
}

function childPath(f: Frame | undefined, element: string): string {
  if (f === undefined) return element
  if (f.names === undefined) return `${f.path}[${f.next}]`
  if (!IDENTIFIER.test(f.name) || f.name.length > 64) return `${f.path}[${quoteName(f.name)}]`
  return f.path === '' ? f.name : `${f.path}.${f.name}`
}

/**
 * The first I-JSON violation in one element's text, in document order, with its path; with
 * `decimals`, also the whole numbers written with a fraction or an exponent before it, there. The
 * slow path: it runs only on elements the checks in `readEnvelope` flagged.
 */
function findProblem(text: string, element: string, decimals?: WholeDecimal[]): string | undefined {
  const stack: Frame[] = []
  let expectName = false
  let i = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    const top = stack[stack.length - 1]
    if (c === LBRACE || c === LBRACKET) {
      const isObject = c === LBRACE
      stack.push({
        path: childPath(top, element),
        names: isObject ? new Set() : undefined,
        name: '',
        next: 0,
      })
      expectName = isObject
      i++
    } else if (c === RBRACE || c === RBRACKET) {
      stack.pop()
      i++
    } else if (c === COMMA) {
      if (top !== undefined) {
        if (top.names === undefined) top.next++
        else expectName = true
      }
      i++
    } else if (c === QUOTE) {
      const end = skipString(text, i)
      const bad = badCodePoint(text, i + 1, end - 1)
      if (expectName && top?.names !== undefined) {
        if (bad !== undefined) return `S-001 ${bad} in a member name at ${shortPath(top.path)}`
        const raw = text.slice(i + 1, end - 1)
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw
        if (top.names.has(name)) {
          return `S-001 duplicate member name ${quoteName(name)} at ${shortPath(top.path)}`
        }
        top.names.add(name)
        top.name = name
        expectName = false
      } else if (bad !== undefined) {
        return `S-001 ${bad} in a string at ${shortPath(childPath(top, element))}`
      }
      i = end
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const end = numberEnd(text, i)
      const spelling = text.slice(i, end)
      const n = Number(spelling)
      if (!Number.isFinite(n)) {
        const spelled = end - i > 24 ? `${text.slice(i, i + 20)}…` : spelling
        return `S-001 the number ${spelled} at ${shortPath(childPath(top, element))} is beyond the range of an IEEE 754 double`
      }
      if (decimals !== undefined && Number.isInteger(n) && /[.eE]/.test(spelling)) {
        const route = stack.map((f) => (f.names === undefined ? f.next : f.name))
        decimals.push({ route, path: route.reduce<string>(joinPath, ''), spelling })
      }
      i = end
    } else i++
  }
  return undefined
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** Past the number token at `i`, which `JSON.parse` already found well formed. */
function numberEnd(s: string, i: number): number {
  NUMBER.lastIndex = i
  NUMBER.test(s)
  return NUMBER.lastIndex
}

const hex4 = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`

const isNoncharacter = (cp: number): boolean =>
  (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe

/**
 * Checks the code units of a string body (between its quotes, escapes decoded) for lone
 * surrogates and noncharacters, both excluded by I-JSON (RFC 7493 §2.1).
 */
function badCodePoint(s: string, start: number, end: number): string | undefined {
  let high = -1
  let i = start
  while (i < end) {
    let cu = s.charCodeAt(i)
    if (cu === BACKSLASH) {
      if (s.charCodeAt(i + 1) === 0x75 /* u */) {
        cu = Number.parseInt(s.slice(i + 2, i + 6), 16)
        i += 6
      } else {
        cu = 0
        i += 2
      }
    } else i++

    if (high >= 0) {
      if (cu >= 0xdc00 && cu <= 0xdfff) {
        const cp = ((high - 0xd800) << 10) + (cu - 0xdc00) + 0x10000
        high = -1
        if (isNoncharacter(cp)) return `noncharacter ${hex4(cp)}`
        continue
      }
      return `lone surrogate ${hex4(high)}`
    }
    if (cu >= 0xd800 && cu <= 0xdbff) high = cu
    else if (cu >= 0xdc00 && cu <= 0xdfff) return `lone surrogate ${hex4(cu)}`
    else if (isNoncharacter(cu)) return `noncharacter ${hex4(cu)}`
  }
  return high >= 0 ? `lone surrogate ${hex4(high)}` : undefined
}

// ---- malformed JSON: error path only ----

/**
 * V8's `JSON.parse` messages vary in shape and often omit the position, so on failure the body is
 * walked again by a strict RFC 8259 checker to say where and why.
 */
function describeSyntaxError(body: string, err: unknown): string {
  const found = locateSyntaxError(body)
  if (found === undefined) {
    return `the body is not valid JSON (${err instanceof Error ? err.message : String(err)})`
  }
  let line = 1
  let lineStart = 0
  for (let k = body.indexOf('\n'); k >= 0 && k < found.pos; k = body.indexOf('\n', k + 1)) {
    line++
    lineStart = k + 1
  }
  return `${found.reason} at line ${line}, column ${found.pos - lineStart + 1} (position ${found.pos})`
}

const ESCAPABLE = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74])
const HEX4 = /[0-9a-fA-F]{4}/y

function describeChar(s: string, pos: number): string {
  const cp = s.codePointAt(pos) ?? 0
  return cp > 0x20 && cp < 0x7f ? `'${String.fromCodePoint(cp)}'` : hex4(cp)
}

interface SyntaxProblem {
  pos: number
  reason: string
}

/** `i` is at an opening quote; returns the index past the closing one, or the problem. */
function checkString(s: string, i: number): number | SyntaxProblem {
  const open = i
  i++
  for (;;) {
    if (i >= s.length) return { pos: open, reason: 'unterminated string' }
    const c = s.charCodeAt(i)
    if (c === QUOTE) return i + 1
    if (c < 0x20) return { pos: i, reason: `unescaped control character ${hex4(c)} in a string` }
    if (c === BACKSLASH) {
      const e = s.charCodeAt(i + 1)
      if (e === 0x75) {
        HEX4.lastIndex = i + 2
        if (!HEX4.test(s)) return { pos: i, reason: 'invalid \\u escape in a string' }
        i += 6
        continue
      }
      if (!ESCAPABLE.has(e)) return { pos: i, reason: 'invalid escape in a string' }
      i += 2
      continue
    }
    i++
  }
}

type ParseState = 'value' | 'after-value' | 'name' | 'first-name' | 'colon'

function locateSyntaxError(s: string): SyntaxProblem | undefined {
  const open: number[] = []
  let state: ParseState = 'value'
  let i = 0
  for (;;) {
    i = skipWs(s, i)
    if (i >= s.length) {
      return open.length === 0 && state === 'after-value'
        ? undefined
        : { pos: s.length, reason: 'unexpected end of input' }
    }
    const c = s.charCodeAt(i)
    switch (state) {
      case 'value': {
        if (c === LBRACE) {
          open.push(c)
          state = 'first-name'
          i++
        } else if (c === LBRACKET) {
          open.push(c)
          i = skipWs(s, i + 1)
          if (s.charCodeAt(i) === RBRACKET) {
            open.pop()
            state = 'after-value'
            i++
          }
        } else if (c === QUOTE) {
          const r = checkString(s, i)
          if (typeof r !== 'number') return r
          i = r
          state = 'after-value'
        } else if (s.startsWith('true', i) || s.startsWith('null', i)) {
          i += 4
          state = 'after-value'
        } else if (s.startsWith('false', i)) {
          i += 5
          state = 'after-value'
        } else {
          NUMBER.lastIndex = i
          if (!NUMBER.test(s)) return { pos: i, reason: `unexpected ${describeChar(s, i)}` }
          i = NUMBER.lastIndex
          state = 'after-value'
        }
        break
      }
      case 'first-name':
      case 'name': {
        if (c === RBRACE && state === 'first-name') {
          open.pop()
          state = 'after-value'
          i++
          break
        }
        if (c !== QUOTE) {
          return {
            pos: i,
            reason: `expected a member name in double quotes, found ${describeChar(s, i)}`,
          }
        }
        const r = checkString(s, i)
        if (typeof r !== 'number') return r
        i = r
        state = 'colon'
        break
      }
      case 'colon': {
        if (c !== COLON) return { pos: i, reason: `expected ':', found ${describeChar(s, i)}` }
        state = 'value'
        i++
        break
      }
      case 'after-value': {
        const top = open[open.length - 1]
        if (top === undefined) {
          return { pos: i, reason: `unexpected ${describeChar(s, i)} after the JSON value` }
        }
        const close = top === LBRACE ? RBRACE : RBRACKET
        if (c === COMMA) {
          state = top === LBRACE ? 'name' : 'value'
          i++
        } else if (c === close) {
          open.pop()
          i++
        } else {
          const expected = top === LBRACE ? "',' or '}'" : "',' or ']'"
          return { pos: i, reason: `expected ${expected}, found ${describeChar(s, i)}` }
        }
        break
      }
    }
  }
}
