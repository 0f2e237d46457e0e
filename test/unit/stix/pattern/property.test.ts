import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type {
  ComparisonNode,
  ObjectPath,
  ObservationNode,
  OrderableLiteral,
  PathStep,
  PrimitiveLiteral,
  Qualifier,
  StringLiteral,
} from '../../../../src/stix/pattern/ast.js'
import {
  checkPattern,
  parsePattern,
  PatternSyntaxError,
  printPattern,
} from '../../../../src/stix/pattern/index.js'
import { isKeyword, tokenize } from '../../../../src/stix/pattern/lexer.js'
import { stripOffsets, validPatterns } from './helpers.js'

// ASTs are generated without offsets; `Bare<T>` is a node type without them.
type Bare<T> = T extends (infer U)[]
  ? Bare<U>[]
  : T extends object
    ? {
        [
          K in keyof T as K extends 'start' | 'end' | 'operatorOffset' | 'operatorOffsets'
            ? never
            : K
        ]: Bare<T[K]>
      }
    : T

const notReserved = (s: string): boolean => !isKeyword(s) && s !== 'true' && s !== 'false'

const objectType = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/).filter(notReserved)

const propertyName = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
  fc.constantFrom('SHA-256', 'AND', 'true', 'http-request-ext', 'a.b', "it's", 'back\\slash', ''),
  fc.string({ unit: 'binary', maxLength: 8 }),
)

const pathStep: fc.Arbitrary<Bare<PathStep>> = fc.oneof(
  propertyName.map((name) => ({ kind: 'property' as const, name })),
  fc.oneof(fc.constant('*' as const), fc.integer({ min: -3, max: 10_000 })).map((index) => ({
    kind: 'index' as const,
    index,
  })),
)

const objectPath: fc.Arbitrary<Bare<ObjectPath>> = fc
  .tuple(objectType, propertyName, fc.array(pathStep, { maxLength: 4 }))
  .map(([objectType, first, rest]) => ({
    kind: 'object-path' as const,
    objectType,
    steps: [{ kind: 'property' as const, name: first }, ...rest],
  }))

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`))

const integerText = fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map((b) => b.toString())
const floatText = fc
  .tuple(fc.boolean(), digits(0, 4), digits(1, 4))
  .map(([neg, i, f]) => `${neg ? '-' : ''}${i}.${f}`)
const pad = (n: number, w = 2) => String(n).padStart(w, '0')
const timestampText = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 31 }),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 60 }),
    fc.option(digits(1, 9), { nil: undefined }),
  )
  .map(
    ([y, mo, d, h, mi, s, frac]) =>
      `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${frac === undefined ? '' : `.${frac}`}Z`,
  )

const stringLit: fc.Arbitrary<Bare<StringLiteral>> = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 }))
  .map((value) => ({ kind: 'string' as const, value }))
const orderable: fc.Arbitrary<Bare<OrderableLiteral>> = fc.oneof(
  stringLit,
  integerText.map((text) => ({ kind: 'integer' as const, value: Number(text), text })),
  floatText.map((text) => ({ kind: 'float' as const, value: Number(text), text })),
  fc
    .uint8Array({ maxLength: 6 })
    .map((b) => ({ kind: 'hex' as const, value: Buffer.from(b).toString('hex') })),
  fc
    .uint8Array({ minLength: 1, maxLength: 9 })
    .map((b) => ({ kind: 'binary' as const, value: Buffer.from(b).toString('base64') })),
  timestampText.map((value) => ({ kind: 'timestamp' as const, value })),
)
const primitive: fc.Arbitrary<Bare<PrimitiveLiteral>> = fc.oneof(
  orderable,
  fc.boolean().map((value) => ({ kind: 'boolean' as const, value })),
)

const comparison: fc.Arbitrary<Bare<ComparisonNode>> = fc.oneof(
  fc
    .tuple(objectPath, fc.boolean(), fc.constantFrom('=' as const, '!=' as const), primitive)
    .map(([path, negated, operator, value]) => ({
      kind: 'comparison' as const,
      path,
      negated,
      operator,
      value,
    })),
  fc
    .tuple(
      objectPath,
      fc.boolean(),
      fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const),
      orderable,
    )
    .map(([path, negated, operator, value]) => ({
      kind: 'comparison' as const,
      path,
      negated,
      operator,
      value,
    })),
  fc
    .tuple(objectPath, fc.boolean(), fc.array(primitive, { maxLength: 4 }))
    .map(([path, negated, values]) => ({
      kind: 'comparison' as const,
      path,
      negated,
      operator: 'IN' as const,
      value: { kind: 'set' as const, values },
    })),
  fc
    .tuple(
      objectPath,
      fc.boolean(),
      fc.constantFrom(
        'LIKE' as const,
        'MATCHES' as const,
        'ISSUBSET' as const,
        'ISSUPERSET' as const,
      ),
      stringLit,
    )
    .map(([path, negated, operator, value]) => ({
      kind: 'comparison' as const,
      path,
      negated,
      operator,
      value,
    })),
  fc
    .tuple(objectPath, fc.boolean())
    .map(([path, negated]) => ({ kind: 'exists' as const, path, negated })),
)

const { comparisonNode } = fc.letrec<{ comparisonNode: Bare<ComparisonNode> }>((tie) => ({
  comparisonNode: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc
      .tuple(
        fc.constantFrom('AND' as const, 'OR' as const),
        fc.array(tie('comparisonNode'), { minLength: 2, maxLength: 3 }),
      )
      .map(([operator, operands]) => ({
        kind: 'comparison-operation' as const,
        operator,
        operands,
      })),
  ),
}))

const qualifier: fc.Arbitrary<Bare<Qualifier>> = fc.oneof(
  fc
    .oneof(
      digits(1, 6)
        .map((t) => t.replace(/^0+(?=\d)/, ''))
        .map((text) => ({ kind: 'integer' as const, value: Number(text), text })),
      fc
        .tuple(digits(0, 3), digits(1, 3))
        .map(([i, f]) => `${i}.${f}`)
        .map((text) => ({ kind: 'float' as const, value: Number(text), text })),
    )
    .map((seconds) => ({ kind: 'within' as const, seconds })),
  digits(1, 6)
    .map((t) => t.replace(/^0+(?=\d)/, ''))
    .map((text) => ({
      kind: 'repeats' as const,
      times: { kind: 'integer' as const, value: Number(text), text },
    })),
  fc.tuple(timestampText, timestampText).map(([a, b]) => ({
    kind: 'start-stop' as const,
    startTime: { kind: 'timestamp' as const, value: a },
    stopTime: { kind: 'timestamp' as const, value: b },
  })),
)

const { observationNode } = fc.letrec<{ observationNode: Bare<ObservationNode> }>((tie) => ({
  observationNode: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparisonNode.map((comparison) => ({ kind: 'observation-expression' as const, comparison })),
    fc
      .tuple(
        fc.constantFrom('AND' as const, 'OR' as const, 'FOLLOWEDBY' as const),
        fc.array(tie('observationNode'), { minLength: 2, maxLength: 3 }),
      )
      .map(([operator, operands]) => ({
        kind: 'observation-operation' as const,
        operator,
        operands,
      })),
    fc
      .tuple(tie('observationNode'), fc.array(qualifier, { minLength: 1, maxLength: 3 }))
      .map(([expression, qualifiers]) => ({
        kind: 'qualified-observation' as const,
        expression,
        qualifiers,
      })),
  ),
}))

const patternAst = observationNode.map((expression) => ({ kind: 'pattern' as const, expression }))

/** All White_Space code points (S-170) plus comments, to put between tokens. */
const separator = fc.oneof(
  fc.constantFrom(
    ' ',
    '\t',
    '\n',
    '\r\n',
    '\u000b',
    '\u000c',
    '\u0085',
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u2005',
    '\u200a',
    '\u2028',
    '\u2029',
    '\u202f',
    '\u205f',
    '\u3000',
    '/* c */',
    '/**/',
  ),
  fc.constant('// line comment\n'),
)

const RUNS = Number(process.env.PATTERN_PROPERTY_RUNS ?? 500)

describe('property: print → parse round trip', () => {
  it('S-175 parse(print(ast)) equals ast for arbitrary ASTs', () => {
    fc.assert(
      fc.property(patternAst, (ast) => {
        const text = printPattern(ast as never)
        expect(stripOffsets(parsePattern(text))).toEqual(ast)
      }),
      { numRuns: RUNS },
    )
  })

  it('S-170 any whitespace or comments between tokens give the same AST', () => {
    fc.assert(
      fc.property(patternAst, fc.infiniteStream(separator), (ast, seps) => {
        const text = printPattern(ast as never)
        const tokens = tokenize(text).filter((t) => t.type !== 'eof')
        const spaced = tokens
          .map((t) => text.slice(t.start, t.end))
          .join(seps.next().value as string)
        expect(stripOffsets(parsePattern(spaced))).toEqual(ast)
      }),
      { numRuns: RUNS },
    )
  })

  it('offsets point at the source text of each node', () => {
    fc.assert(
      fc.property(patternAst, (ast) => {
        const text = printPattern(ast as never)
        const parsed = parsePattern(text)
        const visit = (node: unknown): void => {
          if (Array.isArray(node)) return node.forEach(visit)
          if (typeof node !== 'object' || node === null) return
          const n = node as { kind?: string; start?: number; end?: number }
          if (n.start !== undefined && n.end !== undefined) {
            expect(0 <= n.start && n.start <= n.end && n.end <= text.length).toBe(true)
            if (n.kind === 'observation-expression') expect(text[n.start]).toBe('[')
            if (n.kind === 'string') expect(text[n.start]).toBe("'")
          }
          Object.values(node).forEach(visit)
        }
        visit(parsed)
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    )
  })
})

const ALPHABET = [
  '[',
  ']',
  '(',
  ')',
  ':',
  '.',
  ',',
  '*',
  '=',
  '==',
  '!=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  "'",
  "\\'",
  '\\\\',
  '\\',
  "h'",
  "b'",
  "t'",
  ' ',
  '\n',
  '\u3000',
  '/*',
  '*/',
  '//',
  '-',
  '+',
  '0',
  '1',
  '5.',
  '.5',
  '007',
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'IN',
  'LIKE',
  'MATCHES',
  'ISSUBSET',
  'ISSUPERSET',
  'EXISTS',
  'WITHIN',
  'SECONDS',
  'REPEATS',
  'TIMES',
  'START',
  'STOP',
  'LAST',
  'true',
  'false',
  'file',
  'name',
  'x-a',
  'ipv4-addr',
  'value',
  'hashes',
  "'SHA-256'",
  'ff',
  'dGhp',
  '2025-01-01T00:00:00Z',
  '"',
  '📄',
  '\ud800',
  '\u0000',
]

const noise = fc.oneof(
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: 30 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

const expectOnlySyntaxErrors = (text: string): void => {
  try {
    parsePattern(text)
  } catch (e) {
    expect(e).toBeInstanceOf(PatternSyntaxError)
    const err = e as PatternSyntaxError
    expect(err.offset).toBeGreaterThanOrEqual(0)
    expect(err.offset).toBeLessThanOrEqual(text.length)
    expect(err.line).toBeGreaterThanOrEqual(1)
    expect(err.column).toBeGreaterThanOrEqual(1)
    expect(err.rule).toMatch(/^S-1\d\d$/)
  }
  const r = checkPattern(text)
  if (!r.ok) expect(r.error.rule).toMatch(/^S-1\d\d$/)
}

describe('property: fuzzing', () => {
  it('random strings only ever fail with PatternSyntaxError; checkPattern never throws', () => {
    fc.assert(fc.property(noise, expectOnlySyntaxErrors), { numRuns: RUNS * 4 })
  })

  const corpus = validPatterns().map((v) => v.pattern)
  it('mutated valid patterns only ever fail with PatternSyntaxError', () => {
    const mutation = fc.tuple(
      fc.constantFrom(...corpus),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom('delete', 'insert', 'replace'),
          fc.constantFrom(...ALPHABET),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    fc.assert(
      fc.property(mutation, ([pattern, edits]) => {
        let text = pattern
        for (const [at, op, s] of edits) {
          const i = at % (text.length + 1)
          text =
            op === 'delete'
              ? text.slice(0, i) + text.slice(i + 1)
              : op === 'insert'
                ? text.slice(0, i) + s + text.slice(i)
                : text.slice(0, i) + s + text.slice(i + 1)
        }
        expectOnlySyntaxErrors(text)
      }),
      { numRuns: RUNS * 4 },
    )
  })

  it('a pattern that checks keeps checking after canonical printing', () => {
    fc.assert(
      fc.property(patternAst, (ast) => {
        const text = printPattern(ast as never)
        const first = checkPattern(text)
        const again = checkPattern(printPattern(parsePattern(text)))
        expect(again.ok).toBe(first.ok)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('property: valid building blocks compose into valid patterns', () => {
  // every bracketed observation expression of valid.txt, as a bare AST
  const blocks: Bare<ObservationNode>[] = []
  const collect = (n: ObservationNode): void => {
    if (n.kind === 'observation-expression') blocks.push(stripOffsets(n))
    else if (n.kind === 'observation-operation') n.operands.forEach(collect)
    else collect(n.expression)
  }
  for (const { pattern } of validPatterns()) collect(parsePattern(pattern).expression)

  const validQualifiers = fc
    .subarray(['within', 'repeats', 'start-stop'] as const, { minLength: 1 })
    .chain((kinds) =>
      fc.tuple(
        ...kinds.map((k): fc.Arbitrary<Bare<Qualifier>> => {
          if (k === 'within') {
            return fc.integer({ min: 1, max: 86_400 }).map((n) => ({
              kind: 'within' as const,
              seconds: { kind: 'integer' as const, value: n, text: String(n) },
            }))
          }
          if (k === 'repeats') {
            return fc.integer({ min: 1, max: 1000 }).map((n) => ({
              kind: 'repeats' as const,
              times: { kind: 'integer' as const, value: n, text: String(n) },
            }))
          }
          return fc
            .tuple(
              fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
              fc.integer({ min: 1, max: 1e9 }),
            )
            .map(([d, ms]) => ({
              kind: 'start-stop' as const,
              startTime: { kind: 'timestamp' as const, value: d.toISOString() },
              stopTime: {
                kind: 'timestamp' as const,
                value: new Date(d.getTime() + ms).toISOString(),
              },
            }))
        }),
      ),
    )

  const { tree } = fc.letrec<{ tree: Bare<ObservationNode> }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(...blocks),
      fc
        .tuple(
          fc.constantFrom('AND' as const, 'OR' as const, 'FOLLOWEDBY' as const),
          fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
        )
        .map(([operator, operands]) => ({
          kind: 'observation-operation' as const,
          operator,
          operands,
        })),
      fc.tuple(tie('tree'), validQualifiers).map(([expression, qualifiers]) => ({
        kind: 'qualified-observation' as const,
        expression,
        qualifiers,
      })),
    ),
  }))

  it('S-180 S-181 S-182 compositions of valid expressions and valid qualifiers check', () => {
    expect(blocks.length).toBeGreaterThan(150)
    fc.assert(
      fc.property(tree, (ast) => {
        const text = printPattern({ kind: 'pattern', expression: ast } as never)
        const r = checkPattern(text)
        expect(r.ok ? 'ok' : `${r.error.rule}: ${r.error.message}`).toBe('ok')
        expect(r.warnings).toEqual([])
        expect(stripOffsets(parsePattern(text).expression)).toEqual(ast)
      }),
      { numRuns: RUNS },
    )
  })
})
