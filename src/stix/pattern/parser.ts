/**
 * Hand-written recursive-descent parser for STIX patterns (spec §11.2; STIX §9.5.3 precedence).
 *
 * Loosest to tightest: FOLLOWEDBY, OR, AND (observation level, all left-associative), then postfix
 * qualifiers, then `[ … ]` / `( … )`; inside brackets OR, then AND, then `( … )` / comparison.
 *
 * It accepts exactly the patterns of the OASIS reference grammar STIXPattern.g4, plus
 * `NOT EXISTS path` (spec §11.2 and vector `[NOT EXISTS file:name]`; the reference grammar has
 * `EXISTS` without `NOT`) and line breaks inside `b'…'` (A-9). Checks that the grammar leaves to
 * later (negative indexes, empty `IN ()`, qualifier values, object types, …) are in semantics.ts.
 */

import type {
  BinaryLiteral,
  BooleanLiteral,
  BooleanOperator,
  Comparison,
  ComparisonNode,
  ComparisonOperation,
  FloatLiteral,
  HexLiteral,
  IndexStep,
  IntegerLiteral,
  ObjectPath,
  ObservationNode,
  ObservationOperation,
  ObservationOperator,
  PathStep,
  Pattern,
  PrimitiveLiteral,
  PropertyStep,
  Qualifier,
  SetLiteral,
  StringLiteral,
  TimestampLiteral,
} from './ast.js'
import { PatternSyntaxError } from './errors.js'
import { isKeyword, tokenize, type Token, type TokenType } from './lexer.js'

/** Parenthesis/bracket nesting allowed before the parser gives up (keeps the stack bounded). */
export const MAX_NESTING = 256

const OBSERVATION_OPERATORS: readonly ObservationOperator[] = ['FOLLOWEDBY', 'OR', 'AND']

const describe = (t: Token): string => {
  const type = t.type
  if (type === 'eof') return 'the end of the pattern'
  if (type === 'identifier' || type === 'hyphenated-identifier') return `'${t.value}'`
  if (type === 'string') {
    return `string '${t.value.length > 20 ? `${t.value.slice(0, 20)}…` : t.value}'`
  }
  if (type === 'integer' || type === 'float' || type === 'boolean') return `${type} ${t.value}`
  if (type === 'hex' || type === 'binary' || type === 'timestamp') return `${type} literal`
  return `'${type}'`
}

class Parser {
  readonly text: string
  readonly tokens: Token[]
  pos = 0
  depth = 0

  constructor(text: string, tokens: Token[]) {
    this.text = text
    this.tokens = tokens
  }

  peek(): Token {
    return this.tokens[this.pos] as Token
  }

  peekType(ahead = 0): TokenType {
    return (this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token).type
  }

  next(): Token {
    const t = this.tokens[this.pos] as Token
    if (t.type !== 'eof') this.pos++
    return t
  }

  /** end offset of the last consumed token */
  prevEnd(): number {
    return this.pos === 0 ? 0 : (this.tokens[this.pos - 1] as Token).end
  }

  fail(t: Token, rule: string, message: string): never {
    // a lowercase keyword is the likeliest cause wherever an identifier is not expected (S-171)
    if (t.type === 'identifier' && isKeyword(t.value.toUpperCase())) {
      throw new PatternSyntaxError(
        this.text,
        t.start,
        'S-171',
        `${message}; keywords are uppercase: ${t.value.toUpperCase()}`,
      )
    }
    throw new PatternSyntaxError(this.text, t.start, rule, message)
  }

  expect(type: TokenType, rule: string, what: string): Token {
    const t = this.peek()
    if (t.type !== type) this.fail(t, rule, `expected ${what}, found ${describe(t)}`)
    return this.next()
  }

  enter(t: Token): void {
    if (++this.depth > MAX_NESTING) {
      throw new PatternSyntaxError(
        this.text,
        t.start,
        'S-175',
        `parentheses and brackets nest deeper than ${MAX_NESTING} levels`,
      )
    }
  }

  // ---- observation level ------------------------------------------------------------------

  pattern(): Pattern {
    const expression = this.observations()
    const t = this.peek()
    if (t.type !== 'eof') {
      this.fail(
        t,
        'S-175',
        t.type === ')'
          ? `unmatched ')'`
          : `expected AND, OR, FOLLOWEDBY or a qualifier, found ${describe(t)}`,
      )
    }
    return { kind: 'pattern', expression, start: 0, end: this.text.length }
  }

  observations(): ObservationNode {
    return this.observationChain(0)
  }

  /** level 0: FOLLOWEDBY, 1: OR, 2: AND (loosest to tightest) */
  observationChain(level: number): ObservationNode {
    const operator = OBSERVATION_OPERATORS[level] as ObservationOperator
    const start = this.peek().start
    const first = level < 2 ? this.observationChain(level + 1) : this.qualified()
    if (this.peekType() !== operator) return first
    const operands = [first]
    const operatorOffsets: number[] = []
    while (this.peekType() === operator) {
      operatorOffsets.push(this.next().start)
      operands.push(level < 2 ? this.observationChain(level + 1) : this.qualified())
    }
    const node: ObservationOperation = {
      kind: 'observation-operation',
      operator,
      operands,
      operatorOffsets,
      start,
      end: this.prevEnd(),
    }
    return node
  }

  qualified(): ObservationNode {
    const start = this.peek().start
    const expression = this.observationAtom()
    const qualifiers: Qualifier[] = []
    for (;;) {
      const type = this.peekType()
      if (type !== 'WITHIN' && type !== 'REPEATS' && type !== 'START') break
      qualifiers.push(this.qualifier())
    }
    if (qualifiers.length === 0) return expression
    return { kind: 'qualified-observation', expression, qualifiers, start, end: this.prevEnd() }
  }

  observationAtom(): ObservationNode {
    const t = this.peek()
    if (t.type === '[') {
      this.enter(t)
      this.next()
      if (this.peekType() === ']') {
        this.fail(this.peek(), 'S-175', 'empty observation expression: expected a comparison')
      }
      const comparison = this.comparisons()
      const close = this.peek()
      if (close.type !== ']') {
        this.fail(close, 'S-175', `expected AND, OR or ']', found ${describe(close)}`)
      }
      this.next()
      this.depth--
      return { kind: 'observation-expression', comparison, start: t.start, end: close.end }
    }
    if (t.type === '(') {
      this.enter(t)
      this.next()
      const inner = this.observations()
      const close = this.peek()
      if (close.type !== ')') {
        this.fail(
          close,
          'S-175',
          `expected AND, OR, FOLLOWEDBY, a qualifier or ')', found ${describe(close)}`,
        )
      }
      this.next()
      this.depth--
      return inner
    }
    if (
      (t.type === 'identifier' || t.type === 'hyphenated-identifier') &&
      this.peekType(1) === ':'
    ) {
      this.fail(t, 'S-175', 'a comparison must be enclosed in square brackets: [type:property …]')
    }
    return this.fail(
      t,
      'S-175',
      `expected an observation expression '[ … ]' or '(', found ${describe(t)}`,
    )
  }

  qualifier(): Qualifier {
    const t = this.next()
    const start = t.start
    if (t.type === 'WITHIN') {
      const v = this.peek()
      if ((v.type !== 'integer' && v.type !== 'float') || v.value.startsWith('-')) {
        this.fail(v, 'S-181', `WITHIN needs a positive number of seconds, found ${describe(v)}`)
      }
      this.next()
      const seconds = v.type === 'integer' ? integerLiteral(v) : floatLiteral(v)
      const unit = this.peek()
      if (unit.type !== 'SECONDS') {
        this.fail(
          unit,
          'S-189',
          `expected SECONDS (the only unit of WITHIN), found ${describe(unit)}`,
        )
      }
      this.next()
      return { kind: 'within', seconds, start, end: unit.end }
    }
    if (t.type === 'REPEATS') {
      const v = this.peek()
      if (v.type !== 'integer' || v.value.startsWith('-')) {
        this.fail(v, 'S-181', `REPEATS needs a positive integer, found ${describe(v)}`)
      }
      this.next()
      const unit = this.peek()
      if (unit.type !== 'TIMES') {
        this.fail(unit, 'S-189', `expected TIMES after REPEATS n, found ${describe(unit)}`)
      }
      this.next()
      return { kind: 'repeats', times: integerLiteral(v), start, end: unit.end }
    }
    // START
    const a = this.peek()
    if (a.type !== 'timestamp') {
      this.fail(a, 'S-181', `START needs a timestamp literal t'…', found ${describe(a)}`)
    }
    this.next()
    this.expect('STOP', 'S-181', 'STOP')
    const b = this.peek()
    if (b.type !== 'timestamp') {
      this.fail(b, 'S-181', `STOP needs a timestamp literal t'…', found ${describe(b)}`)
    }
    this.next()
    return {
      kind: 'start-stop',
      startTime: timestampLiteral(a),
      stopTime: timestampLiteral(b),
      start,
      end: b.end,
    }
  }

  // ---- comparison level -------------------------------------------------------------------

  comparisons(): ComparisonNode {
    return this.comparisonChain('OR')
  }

  comparisonChain(operator: BooleanOperator): ComparisonNode {
    const start = this.peek().start
    const first = operator === 'OR' ? this.comparisonChain('AND') : this.comparison()
    if (this.peekType() !== operator) return first
    const operands = [first]
    const operatorOffsets: number[] = []
    while (this.peekType() === operator) {
      operatorOffsets.push(this.next().start)
      operands.push(operator === 'OR' ? this.comparisonChain('AND') : this.comparison())
    }
    const node: ComparisonOperation = {
      kind: 'comparison-operation',
      operator,
      operands,
      operatorOffsets,
      start,
      end: this.prevEnd(),
    }
    return node
  }

  comparison(): ComparisonNode {
    const t = this.peek()
    if (t.type === '(') {
      this.enter(t)
      this.next()
      const inner = this.comparisons()
      const close = this.peek()
      if (close.type !== ')') {
        this.fail(close, 'S-175', `expected AND, OR or ')', found ${describe(close)}`)
      }
      this.next()
      this.depth--
      return inner
    }
    if (t.type === 'EXISTS' || (t.type === 'NOT' && this.peekType(1) === 'EXISTS')) {
      const negated = t.type === 'NOT'
      this.next()
      if (negated) this.next()
      const path = this.objectPath()
      return { kind: 'exists', path, negated, start: t.start, end: path.end }
    }
    if (t.type === 'NOT') {
      this.fail(t, 'S-176', `NOT goes before the operator (type:property NOT = …) or before EXISTS`)
    }
    const path = this.objectPath()
    let negated = false
    if (this.peekType() === 'NOT') {
      this.next()
      negated = true
    }
    const op = this.peek()
    const operatorOffset = op.start
    const start = t.start
    const type = op.type
    let node: Comparison
    if (type === '=' || type === '!=') {
      this.next()
      const value = this.primitive(type)
      node = {
        kind: 'comparison',
        path,
        negated,
        operator: type,
        operatorOffset,
        value,
        start,
        end: value.end,
      }
    } else if (type === '<' || type === '<=' || type === '>' || type === '>=') {
      this.next()
      const value = this.primitive(type)
      if (value.kind === 'boolean') {
        this.fail(
          this.tokens[this.pos - 1] as Token,
          'S-183',
          `a boolean cannot be compared with ${type}; booleans go with =, != and IN`,
        )
      }
      node = {
        kind: 'comparison',
        path,
        negated,
        operator: type,
        operatorOffset,
        value,
        start,
        end: value.end,
      }
    } else if (type === 'IN') {
      this.next()
      const value = this.set()
      node = {
        kind: 'comparison',
        path,
        negated,
        operator: type,
        operatorOffset,
        value,
        start,
        end: value.end,
      }
    } else if (
      type === 'LIKE' ||
      type === 'MATCHES' ||
      type === 'ISSUBSET' ||
      type === 'ISSUPERSET'
    ) {
      this.next()
      const v = this.peek()
      if (v.type !== 'string') {
        this.fail(v, 'S-183', `${type} needs a string literal, found ${describe(v)}`)
      }
      this.next()
      const value = stringLiteral(v)
      node = {
        kind: 'comparison',
        path,
        negated,
        operator: type,
        operatorOffset,
        value,
        start,
        end: value.end,
      }
    } else {
      if (type === 'EXISTS') {
        this.fail(op, 'S-175', 'EXISTS goes before the object path: EXISTS type:property')
      }
      return this.fail(
        op,
        'S-175',
        `expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ` +
          `ISSUPERSET), found ${describe(op)}`,
      )
    }
    return node
  }

  primitive(where: string): PrimitiveLiteral {
    const t = this.peek()
    const lit = literal(t)
    if (lit === undefined)
      this.fail(t, 'S-183', `expected a literal ${where}, found ${describe(t)}`)
    this.next()
    return lit
  }

  set(): SetLiteral {
    const open = this.expect('(', 'S-183', `'(' to start the IN set`)
    const values: PrimitiveLiteral[] = []
    if (this.peekType() !== ')') {
      for (;;) {
        values.push(this.primitive(','))
        const t = this.peek()
        if (t.type === ')') break
        if (t.type !== ',')
          this.fail(t, 'S-183', `expected ',' or ')' in the IN set, found ${describe(t)}`)
        this.next()
      }
    }
    const close = this.next()
    return { kind: 'set', values, start: open.start, end: close.end }
  }

  // ---- object paths -----------------------------------------------------------------------

  objectPath(): ObjectPath {
    const t = this.peek()
    if (t.type !== 'identifier' && t.type !== 'hyphenated-identifier') {
      if (isKeyword(t.type)) {
        this.fail(t, 'S-174', `expected an object path (type:property), found keyword ${t.type}`)
      }
      this.fail(t, 'S-174', `expected an object path (type:property), found ${describe(t)}`)
    }
    this.next()
    const colon = this.peek()
    if (colon.type !== ':') {
      this.fail(
        colon,
        'S-174',
        `expected ':' after the object type '${t.value}', found ${describe(colon)}`,
      )
    }
    this.next()
    const first = this.propertyName()
    const steps: [PropertyStep, ...PathStep[]] = [first]
    for (;;) {
      const s = this.peek()
      if (s.type === '.') {
        this.next()
        steps.push(this.propertyName())
      } else if (s.type === '[') {
        this.next()
        const v = this.peek()
        let index: number | '*'
        if (v.type === '*') index = '*'
        else if (v.type === 'integer') index = Number(v.value)
        else {
          this.fail(v, 'S-174', `expected a list index (an integer or *), found ${describe(v)}`)
        }
        this.next()
        const close = this.expect(']', 'S-174', `']' to close the list index`)
        const step: IndexStep = { kind: 'index', index, start: s.start, end: close.end }
        steps.push(step)
      } else {
        break
      }
    }
    return {
      kind: 'object-path',
      objectType: t.value,
      steps,
      start: t.start,
      end: this.prevEnd(),
    }
  }

  propertyName(): PropertyStep {
    const t = this.peek()
    if (t.type === 'identifier' || t.type === 'string') {
      this.next()
      return { kind: 'property', name: t.value, start: t.start, end: t.end }
    }
    if (t.type === 'hyphenated-identifier') {
      this.fail(t, 'S-174', `a property name or key containing '-' must be quoted: '${t.value}'`)
    }
    if (isKeyword(t.type) || t.type === 'boolean') {
      const word = t.type === 'boolean' ? t.value : t.type
      this.fail(
        t,
        'S-174',
        `${word} is a reserved word; quote it to use it as a property name: '${word}'`,
      )
    }
    return this.fail(t, 'S-174', `expected a property name, found ${describe(t)}`)
  }
}

// ---- literals ---------------------------------------------------------------------------

const integerLiteral = (t: Token): IntegerLiteral => ({
  kind: 'integer',
  value: Number(t.value),
  text: t.value,
  start: t.start,
  end: t.end,
})

const floatLiteral = (t: Token): FloatLiteral => ({
  kind: 'float',
  value: Number(t.value),
  text: t.value,
  start: t.start,
  end: t.end,
})

const stringLiteral = (t: Token): StringLiteral => ({
  kind: 'string',
  value: t.value,
  start: t.start,
  end: t.end,
})

const timestampLiteral = (t: Token): TimestampLiteral => ({
  kind: 'timestamp',
  value: t.value,
  start: t.start,
  end: t.end,
})

function literal(t: Token): PrimitiveLiteral | undefined {
  const { type, start, end } = t
  if (type === 'string') return stringLiteral(t)
  if (type === 'integer') return integerLiteral(t)
  if (type === 'float') return floatLiteral(t)
  if (type === 'timestamp') return timestampLiteral(t)
  if (type === 'boolean') {
    const b: BooleanLiteral = { kind: 'boolean', value: t.value === 'true', start, end }
    return b
  }
  if (type === 'hex') {
    const h: HexLiteral = { kind: 'hex', value: t.value, start, end }
    return h
  }
  if (type === 'binary') {
    const b: BinaryLiteral = { kind: 'binary', value: t.value, start, end }
    return b
  }
  return undefined
}

/**
 * Parses a STIX pattern into its AST. Throws PatternSyntaxError (with offset, line, column and
 * rule) when the text is not a pattern of the grammar. No semantic checks: see `checkPattern`.
 */
export function parsePattern(text: string): Pattern {
  return new Parser(text, tokenize(text)).pattern()
}
