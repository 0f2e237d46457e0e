/**
 * Lexer for STIX patterns (spec §11.1; STIX §9.2, §9.4). Follows the OASIS reference grammar
 * (STIXPattern.g4) token for token, with the deviations the hub spec asks for:
 *
 * - `b'…'` may contain CR and LF, which are dropped before the base64 check (A-9);
 * - a malformed `h'…'`, `b'…'` or `t'…'` literal, a string with an illegal escape, an
 *   unterminated string or comment, an integer with leading zeros or a number ending in `.` is
 *   reported here, at the offending character. The reference lexer instead falls back to shorter
 *   tokens (`h` and a string, `0` and `07`, `5` and `.` …) which no parser rule accepts in that
 *   order, so the set of accepted patterns is the same.
 *
 * As in the reference grammar, `LAST` is a keyword (unused, so a property named LAST must be
 * quoted), `b''` is not a binary literal (base64 needs at least one 4-character group), and
 * numbers and keywords need no space between them (`5SECONDS`).
 *
 * Accepted for interoperability and normalised (S-177): `==` (as `=`), `<>` (as `!=`), a `+` on
 * positive numbers (dropped), uppercase hex digits (lowercased, A-5), and `/* … *\/` and `// …`
 * comments (skipped like whitespace, A-4).
 */

import { PatternSyntaxError } from './errors.js'

export type Keyword =
  | 'AND'
  | 'OR'
  | 'NOT'
  | 'FOLLOWEDBY'
  | 'LIKE'
  | 'MATCHES'
  | 'ISSUBSET'
  | 'ISSUPERSET'
  | 'EXISTS'
  | 'LAST'
  | 'IN'
  | 'START'
  | 'STOP'
  | 'SECONDS'
  | 'WITHIN'
  | 'REPEATS'
  | 'TIMES'

export type TokenType =
  | Keyword
  | '['
  | ']'
  | '('
  | ')'
  | ':'
  | '.'
  | ','
  | '*'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  /** `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword or boolean */
  | 'identifier'
  /** `[A-Za-z_][A-Za-z0-9_-]*` containing a hyphen: valid only as an object type */
  | 'hyphenated-identifier'
  | 'string'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'hex'
  | 'binary'
  | 'timestamp'
  | 'eof'

/**
 * One token. `value` is: the name of an identifier; the resolved value of a string; the digits
 * of a number (sign kept, `+` dropped); `true`/`false`; lowercase hex digits; base64 without line
 * breaks; the timestamp text; '' otherwise.
 */
export interface Token {
  type: TokenType
  start: number
  end: number
  value: string
}

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUBSET',
  'ISSUPERSET',
  'EXISTS',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'WITHIN',
  'REPEATS',
  'TIMES',
])

export const isKeyword = (s: string): s is Keyword => KEYWORDS.has(s)

/** Unicode White_Space (S-170); the reference grammar's WS rule lists the same code points. */
export function isWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d)
  if (c < 0x85) return false
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  )
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isIdentStart = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c) || c === 0x2d
const isHexDigit = (c: number): boolean =>
  isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
const isBase64Char = (c: number): boolean =>
  isIdentStart(c) || isDigit(c) || c === 0x2b || c === 0x2f || c === 0x3d

/** The timestamp shape of the reference grammar; the calendar check is semantic (S-188). */
const TIMESTAMP =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?Z$/

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
  return cp >= 0x21 && cp <= 0x7e ? `'${String.fromCodePoint(cp)}'` : hex
}

/** Splits a pattern into tokens; the last token is always `eof`. Throws PatternSyntaxError. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  const n = text.length
  let i = 0
  const fail = (offset: number, rule: string, message: string): never => {
    throw new PatternSyntaxError(text, offset, rule, message)
  }
  const push = (type: TokenType, start: number, end: number, value: string): void => {
    tokens.push({ type, start, end, value })
  }

  while (i < n) {
    const c = text.charCodeAt(i)
    if (isWhitespace(c)) {
      i++
      continue
    }
    const start = i
    switch (c) {
      case 0x5b: // [
        push('[', i, ++i, '')
        continue
      case 0x5d: // ]
        push(']', i, ++i, '')
        continue
      case 0x28: // (
        push('(', i, ++i, '')
        continue
      case 0x29: // )
        push(')', i, ++i, '')
        continue
      case 0x3a: // :
        push(':', i, ++i, '')
        continue
      case 0x2c: // ,
        push(',', i, ++i, '')
        continue
      case 0x2a: // *
        push('*', i, ++i, '')
        continue
      case 0x3d: // = or ==
        i += text.charCodeAt(i + 1) === 0x3d ? 2 : 1
        push('=', start, i, '')
        continue
      case 0x21: // !=
        if (text.charCodeAt(i + 1) !== 0x3d) fail(i, 'S-172', `unexpected '!' (did you mean '!='?)`)
        i += 2
        push('!=', start, i, '')
        continue
      case 0x3c: {
        // <  <=  <>
        const d = text.charCodeAt(i + 1)
        if (d === 0x3d) push('<=', start, (i += 2), '')
        else if (d === 0x3e) push('!=', start, (i += 2), '')
        else push('<', start, ++i, '')
        continue
      }
      case 0x3e: // >  >=
        if (text.charCodeAt(i + 1) === 0x3d) push('>=', start, (i += 2), '')
        else push('>', start, ++i, '')
        continue
      case 0x27: // '
        i = lexString(text, i, tokens)
        continue
      case 0x22: // "
        fail(i, 'S-173', `strings are quoted with ' (U+0027), not with "`)
        break
      case 0x2f: {
        // comments
        const d = text.charCodeAt(i + 1)
        if (d === 0x2a) {
          const close = text.indexOf('*/', i + 2)
          if (close < 0) fail(i, 'S-177', 'unterminated /* comment')
          i = close + 2
          continue
        }
        if (d === 0x2f) {
          i += 2
          while (i < n) {
            const e = text.charCodeAt(i)
            if (e === 0x0a || e === 0x0d) break
            i++
          }
          continue
        }
        fail(i, 'S-170', `unexpected character '/'`)
        break
      }
      case 0x2e: // . or .5
        if (isDigit(text.charCodeAt(i + 1))) {
          i = lexNumber(text, i, tokens)
        } else {
          push('.', i, ++i, '')
        }
        continue
      case 0x2b: // +
      case 0x2d: {
        // -
        const d = text.charCodeAt(i + 1)
        if (isDigit(d) || (d === 0x2e && isDigit(text.charCodeAt(i + 2)))) {
          i = lexNumber(text, i, tokens)
          continue
        }
        fail(
          i,
          'S-173',
          c === 0x2d
            ? `unexpected '-': a minus sign must touch its number, and a name or key ` +
                `containing '-' must be quoted, e.g. 'SHA-256'`
            : `unexpected '+'`,
        )
        break
      }
      default:
        break
    }
    if (isDigit(c)) {
      i = lexNumber(text, i, tokens)
      continue
    }
    if (isIdentStart(c)) {
      const next = text.charCodeAt(i + 1)
      if (next === 0x27 && (c === 0x68 || c === 0x62 || c === 0x74)) {
        // h'…', b'…', t'…'
        i =
          c === 0x68
            ? lexHex(text, i, tokens)
            : c === 0x62
              ? lexBinary(text, i, tokens)
              : lexTs(text, i, tokens)
        continue
      }
      let hyphen = false
      i++
      while (i < n) {
        const e = text.charCodeAt(i)
        if (!isIdentPart(e)) break
        if (e === 0x2d) hyphen = true
        i++
      }
      const name = text.slice(start, i)
      if (hyphen) push('hyphenated-identifier', start, i, name)
      else if (KEYWORDS.has(name)) push(name as Keyword, start, i, '')
      else if (name === 'true' || name === 'false') push('boolean', start, i, name)
      else push('identifier', start, i, name)
      continue
    }
    fail(i, 'S-170', `unexpected character ${describeChar(text, i)}`)
  }
  tokens.push({ type: 'eof', start: n, end: n, value: '' })
  return tokens
}

function lexString(text: string, open: number, tokens: Token[]): number {
  const n = text.length
  let i = open + 1
  let value = ''
  let chunk = i
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x27) {
      value += text.slice(chunk, i)
      tokens.push({ type: 'string', start: open, end: i + 1, value })
      return i + 1
    }
    if (c === 0x5c) {
      const d = text.charCodeAt(i + 1)
      if (d !== 0x27 && d !== 0x5c) {
        throw new PatternSyntaxError(
          text,
          i,
          'S-173',
          i + 1 >= n
            ? 'unterminated string literal'
            : `illegal escape '\\${String.fromCodePoint(text.codePointAt(i + 1) ?? 0)}' in string literal: only \\' and \\\\ are allowed`,
        )
      }
      value += text.slice(chunk, i)
      i += 2
      chunk = i - 1
      continue
    }
    i++
  }
  throw new PatternSyntaxError(text, open, 'S-173', 'unterminated string literal')
}

function lexNumber(text: string, start: number, tokens: Token[]): number {
  const n = text.length
  let i = start
  const sign = text.charCodeAt(i)
  if (sign === 0x2b || sign === 0x2d) i++
  const intStart = i
  while (i < n && isDigit(text.charCodeAt(i))) i++
  const intEnd = i
  if (text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
    i++
    while (i < n && isDigit(text.charCodeAt(i))) i++
    const t = text.slice(sign === 0x2b ? start + 1 : start, i)
    tokens.push({ type: 'float', start, end: i, value: t })
    return i
  }
  if (text.charCodeAt(i) === 0x2e) {
    throw new PatternSyntaxError(text, i, 'S-173', `a float needs digits after '.', e.g. 5.0`)
  }
  if (intEnd - intStart > 1 && text.charCodeAt(intStart) === 0x30) {
    throw new PatternSyntaxError(text, start, 'S-173', 'an integer must not have leading zeros')
  }
  tokens.push({
    type: 'integer',
    start,
    end: i,
    value: text.slice(sign === 0x2b ? start + 1 : start, i),
  })
  return i
}

function lexHex(text: string, start: number, tokens: Token[]): number {
  const n = text.length
  let i = start + 2
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x27) {
      const digits = text.slice(start + 2, i)
      if (digits.length % 2 !== 0) {
        throw new PatternSyntaxError(
          text,
          start,
          'S-188',
          'hex literal needs an even number of hex digits',
        )
      }
      tokens.push({ type: 'hex', start, end: i + 1, value: digits.toLowerCase() })
      return i + 1
    }
    if (!isHexDigit(c)) {
      throw new PatternSyntaxError(text, i, 'S-173', `${describeChar(text, i)} is not a hex digit`)
    }
    i++
  }
  throw new PatternSyntaxError(text, start, 'S-173', 'unterminated hex literal')
}

function lexBinary(text: string, start: number, tokens: Token[]): number {
  const n = text.length
  let i = start + 2
  let hasBreak = false
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x27) {
      let b64 = text.slice(start + 2, i)
      if (hasBreak) b64 = b64.replace(/[\r\n]/g, '')
      if (!isPaddedBase64(b64)) {
        throw new PatternSyntaxError(
          text,
          start,
          'S-188',
          'binary literal is not padded base64 (RFC 4648): 4-character groups, = only at the end',
        )
      }
      tokens.push({ type: 'binary', start, end: i + 1, value: b64 })
      return i + 1
    }
    if (c === 0x0a || c === 0x0d) hasBreak = true
    else if (!isBase64Char(c)) {
      throw new PatternSyntaxError(
        text,
        i,
        'S-173',
        `${describeChar(text, i)} is not a base64 character`,
      )
    }
    i++
  }
  throw new PatternSyntaxError(text, start, 'S-173', 'unterminated binary literal')
}

/** Non-empty, length a multiple of 4, `=` only as one or two final padding characters. */
export function isPaddedBase64(s: string): boolean {
  const n = s.length
  if (n === 0 || n % 4 !== 0) return false
  const eq = s.indexOf('=')
  if (eq < 0) return true
  if (eq < n - 2) return false
  return eq === n - 1 || s.charCodeAt(n - 1) === 0x3d
}

function lexTs(text: string, start: number, tokens: Token[]): number {
  const close = text.indexOf("'", start + 2)
  if (close < 0)
    throw new PatternSyntaxError(text, start, 'S-173', 'unterminated timestamp literal')
  const value = text.slice(start + 2, close)
  if (!TIMESTAMP.test(value)) {
    throw new PatternSyntaxError(
      text,
      start,
      'S-173',
      `invalid timestamp literal: expected t'YYYY-MM-DDTHH:MM:SS[.s+]Z'`,
    )
  }
  tokens.push({ type: 'timestamp', start, end: close + 1, value })
  return close + 1
}
