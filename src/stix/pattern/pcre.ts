/**
 * PCRE2 syntax check for `MATCHES` operands (S-185). JavaScript's RegExp is not used: its syntax
 * differs from PCRE's both ways (`\@` is an error in unicode-mode JS and fine in PCRE; `(?<=a+)`,
 * `\Z`, `(?i)` and possessive quantifiers are PCRE only …), and the regex is never run here, so no
 * untrusted pattern meets a backtracking engine (§App. D).
 *
 * The checker walks the regex once and reports the errors PCRE2 reports at compile time:
 * unbalanced parentheses, unterminated classes, quantifiers with nothing to repeat, `{n,m}` out
 * of order or too big, ranges out of order, unknown escapes (`\i`, `\L`, `\u` …), escapes that
 * are invalid in a class, malformed `\x{}`, `\o{}`, `\c`, `\p{}`, `\g`, `\k`, `\N{}`, malformed or
 * duplicate group names, references to groups that do not exist, unknown `(?` / `(*` constructs,
 * conditionals with more than two branches and nesting deeper than 250. Not checked: Unicode
 * property names, and the length restrictions of lookbehinds.
 */

export interface RegexSyntaxError {
  /** index into the regex (UTF-16 code units) */
  index: number
  message: string
}

const MAX_DEPTH = 250
const MAX_NAME = 32

const POSIX_CLASSES = new Set([
  'alnum',
  'alpha',
  'ascii',
  'blank',
  'cntrl',
  'digit',
  'graph',
  'lower',
  'print',
  'punct',
  'space',
  'upper',
  'word',
  'xdigit',
])

const VERBS = new Set([
  'ACCEPT',
  'FAIL',
  'F',
  'COMMIT',
  'PRUNE',
  'SKIP',
  'THEN',
  'MARK',
  '',
  // start-of-pattern options
  'UTF',
  'UTF8',
  'UCP',
  'NO_AUTO_POSSESS',
  'NO_START_OPT',
  'NO_DOTSTAR_ANCHOR',
  'NO_JIT',
  'NOTEMPTY',
  'NOTEMPTY_ATSTART',
  'CR',
  'LF',
  'CRLF',
  'ANYCRLF',
  'ANY',
  'NUL',
  'BSR_ANYCRLF',
  'BSR_UNICODE',
])

const ALPHA_ASSERTIONS = new Set([
  'pla',
  'plb',
  'nla',
  'nlb',
  'napla',
  'naplb',
  'positive_lookahead',
  'positive_lookbehind',
  'negative_lookahead',
  'negative_lookbehind',
  'non_atomic_positive_lookahead',
  'non_atomic_positive_lookbehind',
  'atomic',
  'sr',
  'asr',
  'script_run',
  'atomic_script_run',
])

class Fail extends Error {
  readonly index: number
  constructor(index: number, message: string) {
    super(message)
    this.index = index
  }
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)
const isWordStart = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z_]$/.test(c)
const isWord = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_]$/.test(c)
const isAsciiLetter = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c)

/** Checks PCRE2 syntax; returns the first error, or undefined when the regex compiles. */
export function checkPcre(re: string): RegexSyntaxError | undefined {
  try {
    new PcreChecker(re).run()
    return undefined
  } catch (e) {
    if (e instanceof Fail) return { index: e.index, message: e.message }
    throw e
  }
}

/** What an item leaves behind for a following quantifier. */
type Repeat = 'yes' | 'no' | 'transparent'

class PcreChecker {
  readonly re: string
  i = 0
  depth = 0
  groups = 0
  extended = false
  dupNames = false
  readonly names = new Set<string>()
  readonly numberRefs: { n: number; index: number }[] = []
  readonly nameRefs: { name: string; index: number }[] = []

  constructor(re: string) {
    this.re = re
  }

  fail(index: number, message: string): never {
    throw new Fail(index, message)
  }

  run(): void {
    this.alternatives(-1)
    for (const r of this.numberRefs) {
      if (r.n > this.groups) this.fail(r.index, `reference to non-existent subpattern ${r.n}`)
    }
    for (const r of this.nameRefs) {
      if (!this.names.has(r.name)) {
        this.fail(r.index, `reference to non-existent subpattern '${r.name}'`)
      }
    }
  }

  /** Parses alternatives up to `)` (inside a group opened at `open`) or the end; returns count. */
  alternatives(open: number): number {
    const re = this.re
    const savedExtended = this.extended
    let branches = 1
    let canRepeat = false
    while (this.i < re.length) {
      const c = re[this.i] as string
      if (this.extended) {
        if (/\s/.test(c)) {
          this.i++
          continue
        }
        if (c === '#') {
          while (this.i < re.length && re[this.i] !== '\n') this.i++
          continue
        }
      }
      let r: Repeat
      switch (c) {
        case '|':
          this.i++
          branches++
          canRepeat = false
          continue
        case ')':
          if (open < 0) this.fail(this.i, 'unmatched closing parenthesis')
          this.extended = savedExtended
          return branches
        case '(':
          r = this.group()
          break
        case '[':
          this.charClass()
          r = 'yes'
          break
        case '\\':
          r = this.escape()
          break
        case '^':
        case '$':
          this.i++
          r = 'no'
          break
        case '*':
        case '+':
        case '?':
          if (!canRepeat) this.fail(this.i, 'quantifier does not follow a repeatable item')
          this.i++
          this.quantifierSuffix()
          canRepeat = false
          continue
        case '{': {
          const q = this.braceQuantifier()
          if (q) {
            if (!canRepeat) this.fail(this.i, 'quantifier does not follow a repeatable item')
            this.i = q
            this.quantifierSuffix()
            canRepeat = false
            continue
          }
          this.i++
          r = 'yes'
          break
        }
        default:
          this.i += (re.codePointAt(this.i) ?? 0) > 0xffff ? 2 : 1
          r = 'yes'
      }
      if (r !== 'transparent') canRepeat = r === 'yes'
    }
    if (open >= 0) this.fail(open, 'missing closing parenthesis')
    return branches
  }

  quantifierSuffix(): void {
    const c = this.re[this.i]
    if (c === '?' || c === '+') this.i++
    const d = this.re[this.i]
    if (d === '*' || d === '+' || d === '?' || (d === '{' && this.braceQuantifier())) {
      this.fail(this.i, 'quantifier does not follow a repeatable item')
    }
  }

  /** If a `{n}`, `{n,}` or `{n,m}` quantifier starts at i, returns the index after it. */
  braceQuantifier(): number | undefined {
    const re = this.re
    const m = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(this.i, this.i + 24))
    if (m === null) return undefined
    const lo = Number(m[1])
    const hi = m[3] === undefined || m[3] === '' ? undefined : Number(m[3])
    if (lo > 65535 || (hi !== undefined && hi > 65535)) {
      this.fail(this.i, 'number too big in {} quantifier')
    }
    if (hi !== undefined && hi < lo) this.fail(this.i, 'numbers out of order in {} quantifier')
    return this.i + m[0].length
  }

  name(terminator: string, what: string): string {
    const re = this.re
    const start = this.i
    if (isDigit(re[this.i])) this.fail(this.i, `${what} name must start with a non-digit`)
    if (!isWordStart(re[this.i])) this.fail(this.i, `${what} name expected`)
    while (isWord(re[this.i])) this.i++
    const name = re.slice(start, this.i)
    if (name.length > MAX_NAME) this.fail(start, `${what} name is too long (maximum 32 characters)`)
    if (re[this.i] !== terminator)
      this.fail(this.i, `syntax error in ${what} name (missing terminator ${terminator})`)
    this.i++
    return name
  }

  defineName(name: string, index: number): void {
    if (this.names.has(name) && !this.dupNames) {
      this.fail(index, `two named subpatterns have the same name '${name}'`)
    }
    this.names.add(name)
  }

  body(open: number): number {
    if (++this.depth > MAX_DEPTH) this.fail(open, 'parentheses are too deeply nested')
    const n = this.alternatives(open)
    this.i++ // ')'
    this.depth--
    return n
  }

  capture(open: number): Repeat {
    this.groups++
    this.body(open)
    return 'yes'
  }

  group(): Repeat {
    const re = this.re
    const open = this.i
    this.i++
    if (re[this.i] === '*') return this.verb(open)
    if (re[this.i] !== '?') return this.capture(open)
    this.i++
    const c = re[this.i] ?? ''
    switch (c) {
      case ':':
      case '|':
      case '>':
      case '=':
      case '!':
      case '*':
        this.i++
        this.body(open)
        return 'yes'
      case '<': {
        const d = re[this.i + 1]
        if (d === '=' || d === '!') {
          this.i += 2
          this.body(open)
          return 'yes'
        }
        this.i++
        this.defineName(this.name('>', 'subpattern'), open)
        return this.capture(open)
      }
      case "'":
        this.i++
        this.defineName(this.name("'", 'subpattern'), open)
        return this.capture(open)
      case 'P': {
        const d = re[this.i + 1]
        this.i += 2
        if (d === '<') {
          this.defineName(this.name('>', 'subpattern'), open)
          return this.capture(open)
        }
        if (d === '=' || d === '>') {
          const at = this.i
          this.nameRefs.push({ name: this.name(')', 'subpattern'), index: at })
          return 'yes'
        }
        return this.fail(this.i - 1, 'unrecognized character after (?P')
      }
      case '#': {
        const close = re.indexOf(')', this.i)
        if (close < 0) this.fail(open, 'missing ) after (?# comment')
        this.i = close + 1
        return 'transparent'
      }
      case 'R':
      case '&':
      case '+':
      case '-':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        if (c === '-' && !isDigit(re[this.i + 1])) return this.flags(open)
        return this.call(open)
      case '(':
        return this.conditional(open)
      case 'C': {
        const close = re.indexOf(')', this.i)
        if (close < 0) this.fail(open, 'missing closing parenthesis for (?C')
        this.i = close + 1
        return 'transparent'
      }
      default:
        return this.flags(open)
    }
  }

  /** `(?R)`, `(?1)`, `(?+1)`, `(?-1)`, `(?&name)` */
  call(open: number): Repeat {
    const re = this.re
    const c = re[this.i]
    if (c === 'R') {
      this.i++
    } else if (c === '&') {
      this.i++
      const at = this.i
      this.nameRefs.push({ name: this.name(')', 'subpattern'), index: at })
      return 'yes'
    } else {
      const sign = c === '+' || c === '-' ? c : ''
      if (sign !== '') this.i++
      const start = this.i
      while (isDigit(re[this.i])) this.i++
      if (start === this.i) this.fail(this.i, 'digit expected after (?+ or (?-')
      const n = Number(re.slice(start, this.i))
      if (sign !== '' && n === 0) this.fail(start, 'subpattern number is zero')
      if (sign === '-' && n > this.groups) this.fail(start, 'reference to non-existent subpattern')
      if (sign === '') this.numberRefs.push({ n, index: start })
      if (sign === '+') this.numberRefs.push({ n: this.groups + n, index: start })
    }
    if (re[this.i] !== ')') this.fail(open, 'missing closing parenthesis')
    this.i++
    return 'yes'
  }

  /** `(?imnsxJU-imnsx)` or `(?imnsx-imnsx:…)` or `(?^…)` */
  flags(open: number): Repeat {
    const re = this.re
    let on = true
    let extended = this.extended
    if (re[this.i] === '^') {
      this.i++
      extended = false
    }
    for (;;) {
      const c = re[this.i]
      if (c === undefined) this.fail(open, 'missing closing parenthesis')
      if (c === ')' || c === ':') break
      if (c === '-' && on) on = false
      else if (c === 'x') extended = on
      else if (c === 'J') this.dupNames = this.dupNames || on
      else if (!'imnsU'.includes(c)) {
        this.fail(this.i, 'unrecognized character after (? or (?-')
      }
      this.i++
    }
    if (re[this.i] === ':') {
      this.i++
      const outer = this.extended
      this.extended = extended
      this.body(open)
      this.extended = outer
      return 'yes'
    }
    this.i++
    this.extended = extended // applies to the rest of the enclosing group
    return 'no'
  }

  conditional(open: number): Repeat {
    const re = this.re
    const condOpen = this.i
    this.i++ // second '('
    const c = re[this.i]
    if (c === '?' || c === '*') {
      // assertion condition
      this.i = condOpen
      const r = this.group()
      if (r !== 'yes') this.fail(condOpen, 'assertion expected after (?( or (?(?C)')
    } else {
      const close = re.indexOf(')', this.i)
      if (close < 0) this.fail(condOpen, 'malformed number or name after (?(')
      const cond = re.slice(this.i, close)
      const ref =
        /^[+-]?\d+$/.exec(cond) ??
        /^<([A-Za-z_]\w*)>$/.exec(cond) ??
        /^'([A-Za-z_]\w*)'$/.exec(cond) ??
        /^R(\d*)$/.exec(cond) ??
        /^R&([A-Za-z_]\w*)$/.exec(cond) ??
        /^(DEFINE|VERSION[<>]?=\d+(\.\d+)?)$/.exec(cond) ??
        /^([A-Za-z_]\w*)$/.exec(cond)
      if (ref === null) this.fail(this.i, 'malformed number or name after (?(')
      if (/^\d+$/.test(cond)) this.numberRefs.push({ n: Number(cond), index: this.i })
      else if (/^[<'A-Za-z_]/.test(cond) && !/^(R|DEFINE|VERSION)/.test(cond)) {
        this.nameRefs.push({ name: ref[1] ?? cond, index: this.i })
      } else if (cond.startsWith('R&')) {
        this.nameRefs.push({ name: cond.slice(2), index: this.i })
      }
      this.i = close + 1
    }
    const branches = this.body(open)
    if (branches > 2) this.fail(open, 'conditional subpattern contains more than two branches')
    return 'yes'
  }

  /** `(*VERB)`, `(*VERB:arg)`, `(*pla:…)` */
  verb(open: number): Repeat {
    const re = this.re
    this.i++ // '*'
    const start = this.i
    while (/^[A-Za-z_0-9]$/.test(re[this.i] ?? '')) this.i++
    const name = re.slice(start, this.i)
    if (re[this.i] === ':' && ALPHA_ASSERTIONS.has(name)) {
      this.i++
      this.body(open)
      return 'yes'
    }
    if (re[this.i] === '=' && /^LIMIT_(MATCH|DEPTH|HEAP|RECURSION)$/.test(name)) {
      this.i++
      const d = this.i
      while (isDigit(re[this.i])) this.i++
      if (d === this.i) this.fail(this.i, '(*VERB) not recognized or malformed')
    } else if (!VERBS.has(name) || (name === '' && re[this.i] !== ':')) {
      this.fail(start, `(*${name}) not recognized or malformed`)
    } else if (re[this.i] === ':') {
      const close = re.indexOf(')', this.i)
      if (close < 0) this.fail(open, 'missing closing parenthesis')
      this.i = close
    }
    if (re[this.i] !== ')') this.fail(open, 'missing closing parenthesis')
    this.i++
    return 'no'
  }

  // ---- escapes ----------------------------------------------------------------------------

  /** An escape outside a class. */
  escape(): Repeat {
    const re = this.re
    const at = this.i
    this.i++
    const c = re[this.i]
    if (c === undefined) this.fail(at, '\\ at end of pattern')
    if (isDigit(c)) {
      this.backrefOrOctal(at)
      return 'yes'
    }
    switch (c) {
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
      case 'K':
        this.i++
        return 'no'
      case 'E':
        this.i++
        return 'transparent'
      case 'Q': {
        const end = re.indexOf('\\E', this.i + 1)
        const stop = end < 0 ? re.length : end
        const literal = stop > this.i + 1
        this.i = end < 0 ? re.length : end + 2
        return literal ? 'yes' : 'transparent'
      }
      case 'g':
        this.gReference(at)
        return 'yes'
      case 'k': {
        const open = re[this.i + 1]
        const close = open === '<' ? '>' : open === "'" ? "'" : open === '{' ? '}' : undefined
        if (close === undefined) this.fail(at, "\\k is not followed by a name in <>, '' or {}")
        this.i += 2
        const nameAt = this.i
        this.nameRefs.push({ name: this.name(close, 'group'), index: nameAt })
        return 'yes'
      }
      case 'N':
        if (re[this.i + 1] === '{') {
          this.i++
          const m = /^\{U\+[0-9A-Fa-f]+\}/.exec(re.slice(this.i, this.i + 12))
          if (m === null) this.fail(at, 'PCRE2 does not support \\N{name}')
          this.i += m[0].length
          return 'yes'
        }
        this.i++
        return 'yes'
      default:
        this.commonEscape(at, false)
        return 'yes'
    }
  }

  /** `\1`…, octal `\012` (outside a class). */
  backrefOrOctal(at: number): void {
    const re = this.re
    const start = this.i
    if (re[start] === '0') {
      this.i++
      for (let k = 0; k < 2 && isOctal(re[this.i]); k++) this.i++
      return
    }
    while (isDigit(re[this.i])) this.i++
    const digits = re.slice(start, this.i)
    const n = Number(digits)
    if (n < 10 || digits[0] === '8' || digits[0] === '9' || n <= this.groups) {
      this.numberRefs.push({ n, index: at })
      return
    }
    // an octal escape of up to three digits; the rest are literals
    this.i = start
    for (let k = 0; k < 3 && isOctal(re[this.i]); k++) this.i++
    if (this.i === start) this.fail(at, 'invalid escape sequence')
  }

  gReference(at: number): void {
    const re = this.re
    this.i++ // 'g'
    const c = re[this.i]
    /** `call`: `\g<…>` / `\g'…'` subroutine calls, where 0 means the whole pattern */
    const ref = (text: string, index: number, call: boolean): void => {
      if (/^[+-]?\d+$/.test(text)) {
        const n = Number(text)
        if (n === 0 && !(call && text === '0')) {
          this.fail(index, 'a numbered reference must not be zero')
        }
        if (text.startsWith('-')) {
          if (-n > this.groups) this.fail(index, 'reference to non-existent subpattern')
        } else if (text.startsWith('+')) {
          this.numberRefs.push({ n: this.groups + n, index })
        } else if (n !== 0) {
          this.numberRefs.push({ n, index })
        }
      } else if (/^[A-Za-z_]\w*$/.test(text)) {
        if (text.length > MAX_NAME) this.fail(index, 'group name is too long')
        this.nameRefs.push({ name: text, index })
      } else {
        this.fail(
          index,
          '\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number',
        )
      }
    }
    const close = c === '{' ? '}' : c === '<' ? '>' : c === "'" ? "'" : undefined
    if (close !== undefined) {
      const end = re.indexOf(close, this.i + 1)
      if (end < 0) this.fail(at, `\\g${c} is not terminated`)
      const text = re.slice(this.i + 1, end)
      if (c === '{' && /^\+/.test(text)) this.fail(at, '\\g{+n} is not a valid reference')
      ref(text, this.i + 1, c !== '{')
      this.i = end + 1
      return
    }
    const m = /^[+-]?\d+/.exec(re.slice(this.i, this.i + 12))
    if (m === null) {
      this.fail(
        at,
        '\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number',
      )
    }
    if (m[0].startsWith('+')) this.fail(at, '\\g+n is only valid as \\g<+n>')
    ref(m[0], this.i, false)
    this.i += m[0].length
  }

  /**
   * Escapes valid both outside and inside a class: character types, \p, \x, \o, \c, control
   * characters and escaped non-alphanumerics. Returns the code point, or -1 for a class.
   */
  commonEscape(at: number, inClass: boolean): number {
    const re = this.re
    const c = re[this.i] as string
    this.i++
    switch (c) {
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
      case 'h':
      case 'H':
      case 'v':
      case 'V':
        return -1
      case 'R':
      case 'X':
      case 'C':
        if (inClass) this.fail(at, `escape sequence \\${c} is invalid in character class`)
        return -1
      case 'p':
      case 'P': {
        if (re[this.i] === '{') {
          const end = re.indexOf('}', this.i)
          if (end < 0) this.fail(at, 'malformed \\P or \\p sequence')
          const name = re.slice(this.i + 1, end).replace(/^\^/, '')
          if (!/^[A-Za-z0-9_ &=:.-]+$/.test(name)) this.fail(at, 'malformed \\P or \\p sequence')
          this.i = end + 1
        } else if (isAsciiLetter(re[this.i])) {
          this.i++
        } else {
          this.fail(at, 'malformed \\P or \\p sequence')
        }
        return -1
      }
      case 'x': {
        if (re[this.i] === '{') {
          const end = re.indexOf('}', this.i)
          const digits = end < 0 ? '' : re.slice(this.i + 1, end)
          if (end < 0 || !/^[0-9A-Fa-f]+$/.test(digits)) {
            this.fail(at, 'non-hex character in \\x{} (closing brace missing?)')
          }
          const v = parseInt(digits, 16)
          if (v > 0x10ffff || digits.length > 8)
            this.fail(at, 'character code point value in \\x{} is too large')
          this.i = end + 1
          return v
        }
        let v = 0
        for (let k = 0; k < 2 && isHex(re[this.i]); k++)
          v = v * 16 + parseInt(re[this.i++] as string, 16)
        return v
      }
      case 'o': {
        if (re[this.i] !== '{') this.fail(at, 'missing opening brace after \\o')
        const end = re.indexOf('}', this.i)
        const digits = end < 0 ? '' : re.slice(this.i + 1, end)
        if (end < 0 || !/^[0-7]+$/.test(digits))
          this.fail(at, 'non-octal character in \\o{} (closing brace missing?)')
        const v = parseInt(digits, 8)
        if (v > 0x10ffff) this.fail(at, 'character code point value in \\o{} is too large')
        this.i = end + 1
        return v
      }
      case 'c': {
        const d = re.charCodeAt(this.i)
        if (Number.isNaN(d)) this.fail(at, '\\c at end of pattern')
        if (d < 0x20 || d > 0x7e)
          this.fail(at, '\\c must be followed by a printable ASCII character')
        this.i++
        return (d >= 0x61 && d <= 0x7a ? d - 0x20 : d) ^ 0x40
      }
      case 'a':
        return 7
      case 'e':
        return 0x1b
      case 'f':
        return 0x0c
      case 'n':
        return 0x0a
      case 'r':
        return 0x0d
      case 't':
        return 0x09
      case 'L':
      case 'l':
      case 'U':
      case 'u':
        return this.fail(at, `PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u`)
      default: {
        if (isAsciiLetter(c)) return this.fail(at, `unrecognized character follows \\: '${c}'`)
        const cp = re.codePointAt(this.i - 1) ?? 0
        if (cp > 0xffff) this.i++
        return cp
      }
    }
  }

  // ---- classes ----------------------------------------------------------------------------

  charClass(): void {
    const re = this.re
    const open = this.i
    if (/^\[([:.=])\^?[A-Za-z]*\1\]/.test(re.slice(open, open + 40))) {
      this.fail(open, 'POSIX named classes are supported only within a class')
    }
    this.i++
    if (re[this.i] === '^') this.i++
    let first = true
    /** code point of the previous single character, -1 for a class item, undefined for none */
    let prev: number | undefined
    let prevAt = 0
    for (;;) {
      const c = re[this.i]
      if (c === undefined) this.fail(open, 'missing terminating ] for character class')
      if (c === ']' && !first) {
        this.i++
        return
      }
      first = false
      const at = this.i
      let item: number
      if (
        c === '[' &&
        (re[this.i + 1] === ':' || re[this.i + 1] === '.' || re[this.i + 1] === '=')
      ) {
        const kind = re[this.i + 1] as string
        const m = new RegExp(`^\\[\\${kind}(\\^?)([A-Za-z]*)\\${kind}\\]`).exec(
          re.slice(this.i, this.i + 40),
        )
        if (m !== null) {
          if (kind !== ':') this.fail(at, 'POSIX collating elements are not supported')
          if (!POSIX_CLASSES.has(m[2] ?? '')) this.fail(at, 'unknown POSIX class name')
          this.i += m[0].length
          item = -1
        } else {
          this.i++
          item = 0x5b
        }
      } else if (c === '\\') {
        item = this.classEscape()
        if (item === -2) continue // \E, empty \Q…\E
      } else {
        item = re.codePointAt(this.i) ?? 0
        this.i += item > 0xffff ? 2 : 1
      }
      // a range `x-y`
      if (prev !== undefined && this.pendingRange) {
        this.pendingRange = false
        if (prev < 0 || item < 0) this.fail(prevAt, 'invalid range in character class')
        if (item < prev) this.fail(prevAt, 'range out of order in character class')
        prev = undefined
        continue
      }
      prev = item
      prevAt = at
      if (re[this.i] === '-' && re[this.i + 1] !== ']' && re[this.i + 1] !== undefined) {
        this.i++
        this.pendingRange = true
        if (item < 0) {
          // `[\d-z]` is an error in PCRE2, `[\d-]` is not (handled by the `]` test above)
          this.fail(at, 'invalid range in character class')
        }
      }
    }
  }

  pendingRange = false

  /** An escape inside a class; returns the code point, -1 for a class, -2 for nothing. */
  classEscape(): number {
    const re = this.re
    const at = this.i
    this.i++
    const c = re[this.i]
    if (c === undefined) this.fail(at, '\\ at end of pattern')
    if (c === 'b') {
      this.i++
      return 8
    }
    if (c === 'E') {
      this.i++
      return -2
    }
    if (c === 'Q') {
      const end = re.indexOf('\\E', this.i + 1)
      const stop = end < 0 ? re.length : end
      if (stop === this.i + 1) {
        this.i = end < 0 ? re.length : end + 2
        return -2
      }
      // the quoted characters are literal members; the last one may start a range
      const last = re.codePointAt(stop - 1) ?? 0
      this.i = end < 0 ? re.length : end + 2
      return last
    }
    if (c === 'B' || c === 'N')
      this.fail(at, `escape sequence \\${c} is invalid in character class`)
    if (isDigit(c)) {
      // octal in a class; \8 and \9 are literal digits
      if (!isOctal(c)) {
        this.i++
        return c.charCodeAt(0)
      }
      let v = 0
      for (let k = 0; k < 3 && isOctal(re[this.i]); k++) v = v * 8 + Number(re[this.i++])
      return v
    }
    return this.commonEscape(at, true)
  }
}
