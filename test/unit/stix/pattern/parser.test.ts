import { describe, expect, it } from 'vitest'
import type {
  Comparison,
  ComparisonOperation,
  ObservationExpression,
  ObservationOperation,
  QualifiedObservation,
} from '../../../../src/stix/pattern/ast.js'
import {
  MAX_NESTING,
  parsePattern,
  PatternSyntaxError,
} from '../../../../src/stix/pattern/index.js'
import { tokenize } from '../../../../src/stix/pattern/lexer.js'
import { stripOffsets } from './helpers.js'

const syntaxError = (text: string): PatternSyntaxError => {
  try {
    parsePattern(text)
  } catch (e) {
    if (e instanceof PatternSyntaxError) return e
    throw e
  }
  throw new Error(`parsed: ${text}`)
}

const shape = (text: string): unknown => stripOffsets(parsePattern(text).expression)

describe('lexer (S-170–S-174, S-177)', () => {
  it('S-170 tokens carry UTF-16 offsets; whitespace and comments are skipped', () => {
    const t = tokenize("[file:name = 'a'] /* x */ AND\u3000// y\n[x-a:b IN (1)]")
    expect(t.map((x) => [x.type, x.start, x.end])).toEqual([
      ['[', 0, 1],
      ['identifier', 1, 5],
      [':', 5, 6],
      ['identifier', 6, 10],
      ['=', 11, 12],
      ['string', 13, 16],
      [']', 16, 17],
      ['AND', 26, 29],
      ['[', 35, 36],
      ['hyphenated-identifier', 36, 39],
      [':', 39, 40],
      ['identifier', 40, 41],
      ['IN', 42, 44],
      ['(', 45, 46],
      ['integer', 46, 47],
      [')', 47, 48],
      [']', 48, 49],
      ['eof', 49, 49],
    ])
  })

  it('S-173 literal values: escapes resolved, signs normalised, hex lowercased, base64 unwrapped', () => {
    const values = (s: string) => tokenize(s).map((t) => [t.type, t.value])
    expect(values(`'it\\'s \\\\ ok'`)).toEqual([
      ['string', "it's \\ ok"],
      ['eof', ''],
    ])
    expect(values('+5 -5 0 .5 -.5 +01.25 true false')).toEqual([
      ['integer', '5'],
      ['integer', '-5'],
      ['integer', '0'],
      ['float', '.5'],
      ['float', '-.5'],
      ['float', '01.25'],
      ['boolean', 'true'],
      ['boolean', 'false'],
      ['eof', ''],
    ])
    expect(values("h'FFd8' h'' b'AB\r\nCD' t'2025-07-01T00:00:00.5Z'")).toEqual([
      ['hex', 'ffd8'],
      ['hex', ''],
      ['binary', 'ABCD'],
      ['timestamp', '2025-07-01T00:00:00.5Z'],
      ['eof', ''],
    ])
  })

  it('S-177 == and <> are read as = and !=', () => {
    expect(tokenize('== <> != <= >= < >').map((t) => t.type)).toEqual([
      '=',
      '!=',
      '!=',
      '<=',
      '>=',
      '<',
      '>',
      'eof',
    ])
  })

  it('S-171 keywords are case-sensitive; longer words are identifiers', () => {
    expect(tokenize('AND and ANDROID TRUE true EXISTS LAST x-AND').map((t) => t.type)).toEqual([
      'AND',
      'identifier',
      'identifier',
      'identifier',
      'boolean',
      'EXISTS',
      'LAST',
      'hyphenated-identifier',
      'eof',
    ])
  })

  it('A-9 binary literals may contain CR and LF', () => {
    const p = parsePattern("[artifact:payload_bin = b'dGhpcyBp\ncyBhIHRl\r\nc3Q=']")
    const c = (p.expression as ObservationExpression).comparison as Comparison
    expect(c.value).toMatchObject({ kind: 'binary', value: 'dGhpcyBpcyBhIHRlc3Q=' })
  })
})

describe('parser: precedence and structure (S-175, STIX §9.5.3)', () => {
  it('S-175 AND binds tighter than OR, OR tighter than FOLLOWEDBY', () => {
    const e = parsePattern('[a-b:c = 1] FOLLOWEDBY [a-b:c = 2] OR [a-b:c = 3] AND [a-b:c = 4]')
      .expression as ObservationOperation
    expect(e.operator).toBe('FOLLOWEDBY')
    const or = e.operands[1] as ObservationOperation
    expect(or.operator).toBe('OR')
    expect((or.operands[1] as ObservationOperation).operator).toBe('AND')
  })

  it('S-175 chains of one operator are one n-ary node, in source order', () => {
    const e = parsePattern('[a-b:c = 1] AND [a-b:c = 2] AND [a-b:c = 3]')
      .expression as ObservationOperation
    expect(e.operands).toHaveLength(3)
    expect(e.operatorOffsets).toEqual([12, 28])
    const inner = parsePattern('[a-b:c = 1 OR a-b:c = 2 OR a-b:c = 3 AND a-b:d = 4]')
      .expression as ObservationExpression
    const or = inner.comparison as ComparisonOperation
    expect(or.operator).toBe('OR')
    expect(or.operands.map((o) => o.kind)).toEqual([
      'comparison',
      'comparison',
      'comparison-operation',
    ])
  })

  it('S-175 parentheses group; they are not kept as nodes', () => {
    expect(shape('(([a-b:c = 1]))')).toEqual(shape('[a-b:c = 1]'))
    expect(shape('[((a-b:c = 1))]')).toEqual(shape('[a-b:c = 1]'))
    const e = parsePattern('[a-b:c = 1] AND ([a-b:c = 2] AND [a-b:c = 3])')
      .expression as ObservationOperation
    expect(e.operands).toHaveLength(2)
    expect(e.operands[1]?.kind).toBe('observation-operation')
  })

  it('S-175 a qualifier applies to the expression right before it', () => {
    const e = parsePattern('[a-b:c = 1] FOLLOWEDBY [a-b:c = 2] REPEATS 5 TIMES')
      .expression as ObservationOperation
    expect(e.operator).toBe('FOLLOWEDBY')
    expect(e.operands[0]?.kind).toBe('observation-expression')
    expect(e.operands[1]?.kind).toBe('qualified-observation')
    const g = parsePattern('([a-b:c = 1] FOLLOWEDBY [a-b:c = 2]) REPEATS 5 TIMES')
      .expression as QualifiedObservation
    expect(g.kind).toBe('qualified-observation')
    expect(g.expression.kind).toBe('observation-operation')
    expect(g.start).toBe(0)
  })

  it('S-180 consecutive qualifiers share one node; parenthesised ones nest', () => {
    const flat = parsePattern('[a-b:c = 1] REPEATS 2 TIMES WITHIN 5 SECONDS')
      .expression as QualifiedObservation
    expect(flat.qualifiers.map((q) => q.kind)).toEqual(['repeats', 'within'])
    const nested = parsePattern('([a-b:c = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS')
      .expression as QualifiedObservation
    expect(nested.qualifiers).toHaveLength(1)
    expect(nested.expression.kind).toBe('qualified-observation')
  })

  it('qualifier values are kept with their exact text', () => {
    const q = parsePattern(
      "[a-b:c = 1] WITHIN 2.50 SECONDS REPEATS +3 TIMES START t'2025-01-01T00:00:00Z' STOP t'2025-01-02T00:00:00.000Z'",
    ).expression as QualifiedObservation
    expect(stripOffsets(q.qualifiers)).toEqual([
      { kind: 'within', seconds: { kind: 'float', value: 2.5, text: '2.50' } },
      { kind: 'repeats', times: { kind: 'integer', value: 3, text: '3' } },
      {
        kind: 'start-stop',
        startTime: { kind: 'timestamp', value: '2025-01-01T00:00:00Z' },
        stopTime: { kind: 'timestamp', value: '2025-01-02T00:00:00.000Z' },
      },
    ])
  })

  it('S-176 NOT negates the comparison; NOT EXISTS is accepted (spec §11.2)', () => {
    expect(shape("[file:name NOT IN ('a')]")).toEqual({
      kind: 'observation-expression',
      comparison: {
        kind: 'comparison',
        path: {
          kind: 'object-path',
          objectType: 'file',
          steps: [{ kind: 'property', name: 'name' }],
        },
        negated: true,
        operator: 'IN',
        value: { kind: 'set', values: [{ kind: 'string', value: 'a' }] },
      },
    })
    expect(shape('[NOT EXISTS file:name]')).toMatchObject({
      comparison: { kind: 'exists', negated: true },
    })
    expect(shape('[EXISTS file:name]')).toMatchObject({
      comparison: { kind: 'exists', negated: false },
    })
  })

  it('S-174 object paths: quoted and bare names, indexes, offsets of each step', () => {
    const c = (
      parsePattern("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]")
        .expression as ObservationExpression
    ).comparison as Comparison
    expect(c.path.steps).toEqual([
      { kind: 'property', name: 'extensions', start: 6, end: 16 },
      { kind: 'property', name: 'windows-pebinary-ext', start: 17, end: 39 },
      { kind: 'property', name: 'sections', start: 40, end: 48 },
      { kind: 'index', index: '*', start: 48, end: 51 },
      { kind: 'property', name: 'entropy', start: 52, end: 59 },
    ])
    expect(c.path).toMatchObject({ objectType: 'file', start: 1, end: 59 })
    expect(c.operatorOffset).toBe(60)
    expect(shape("[file:'name' = 'a']")).toEqual(shape("[file:name = 'a']"))
    expect(shape('[x-a:b[-1] = 1]')).toMatchObject({
      comparison: { path: { steps: [{ name: 'b' }, { kind: 'index', index: -1 }] } },
    })
  })

  it('S-183 the grammar decides literal kinds per operator', () => {
    expect(shape('[x-a:b = true]')).toMatchObject({ comparison: { value: { kind: 'boolean' } } })
    expect(shape('[x-a:b IN ()]')).toMatchObject({
      comparison: { value: { kind: 'set', values: [] } },
    })
    expect(syntaxError('[x-a:b LIKE 1]').rule).toBe('S-183')
    expect(syntaxError('[x-a:b < true]').rule).toBe('S-183')
  })

  it('keeps integers beyond 2^53 exactly in their text', () => {
    expect(shape('[file:size = 123456789012345678901234567890]')).toMatchObject({
      comparison: { value: { kind: 'integer', text: '123456789012345678901234567890' } },
    })
  })
})

describe('PatternSyntaxError positions', () => {
  it('has message, offset, 1-based line and column, rule', () => {
    const e = syntaxError("[file:name = 'a'] and [file:name = 'b']")
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('PatternSyntaxError')
    expect(e.toIssue()).toEqual({
      message: expect.stringContaining('keywords are uppercase'),
      offset: 18,
      line: 1,
      column: 19,
      rule: 'S-171',
    })
  })

  it('counts lines at LF, CR and CRLF', () => {
    expect(syntaxError("[file:name = 'a']\nAND\n[file:name = ]")).toMatchObject({
      line: 3,
      column: 14,
    })
    expect(syntaxError("[file:name = 'a']\r\nAND\r\n  ]")).toMatchObject({ line: 3, column: 3 })
    expect(syntaxError("[file:name = 'a']\rAND\r  ]")).toMatchObject({ line: 3, column: 3 })
  })

  it('counts columns in code points, offsets in UTF-16 units', () => {
    const e = syntaxError("[file:name = '📄📄'] ?")
    expect(e.offset).toBe(21)
    expect(e.column).toBe(20)
  })

  it('a NUL character is not whitespace', () => {
    expect(syntaxError("[file:name = 'a']\u0000")).toMatchObject({ column: 18, rule: 'S-170' })
  })

  it(`stops at ${MAX_NESTING} levels of nesting instead of overflowing the stack`, () => {
    const deep = (n: number) => `${'('.repeat(n)}[file:name = 'a']${')'.repeat(n)}`
    expect(() => parsePattern(deep(MAX_NESTING - 1))).not.toThrow()
    expect(syntaxError(deep(MAX_NESTING + 1)).rule).toBe('S-175')
    expect(syntaxError('('.repeat(100_000)).message).toContain('nest deeper')
    expect(syntaxError(`[${'('.repeat(100_000)}`).message).toContain('nest deeper')
  })

  it('parses long flat chains without deep recursion', () => {
    const many = Array.from(
      { length: 20_000 },
      (_, i) => `ipv4-addr:value = '10.0.${i >> 8}.${i & 255}'`,
    )
    const p = parsePattern(`[${many.join(' OR ')}]`)
    const c = (p.expression as ObservationExpression).comparison as ComparisonOperation
    expect(c.operands).toHaveLength(20_000)
    const obs = Array.from({ length: 20_000 }, () => '[file:size = 1]').join(' AND ')
    expect((parsePattern(obs).expression as ObservationOperation).operands).toHaveLength(20_000)
  })
})
