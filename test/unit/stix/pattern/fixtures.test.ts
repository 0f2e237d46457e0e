import { describe, expect, it } from 'vitest'
import {
  checkPattern,
  parsePattern,
  PatternSyntaxError,
  printPattern,
} from '../../../../src/stix/pattern/index.js'
import { invalidPatterns, stripOffsets, validPatterns } from './helpers.js'

const valid = validPatterns()
const invalid = invalidPatterns()

/** Rules only the grammar checks (S-174 is also checked on the AST, for type names). */
const SYNTAX_RULES = new Set(['S-170', 'S-171', 'S-172', 'S-173', 'S-174', 'S-175', 'S-176'])

describe('fixtures', () => {
  it('cover every rule of spec §11.1–11.3 that can fail', () => {
    const rules = new Set(invalid.map((c) => c.rule))
    for (const r of [
      'S-170',
      'S-171',
      'S-172',
      'S-173',
      'S-174',
      'S-175',
      'S-176',
      'S-177',
      'S-180',
      'S-181',
      'S-182',
      'S-183',
      'S-184',
      'S-185',
      'S-186',
      'S-187',
      'S-188',
      'S-189',
    ]) {
      expect(rules, r).toContain(r)
    }
    expect(valid.length).toBeGreaterThan(150)
    expect(invalid.length).toBeGreaterThan(250)
  })
})

describe('S-170–S-189 valid patterns (valid.txt)', () => {
  it.each(valid)('S-128 accepts $pattern', ({ pattern }) => {
    const r = checkPattern(pattern)
    expect(r.ok ? 'ok' : `${r.error.rule} col ${r.error.column}: ${r.error.message}`).toBe('ok')
  })

  it.each(valid)(
    'S-177 prints $pattern canonically and re-parses it to the same AST',
    ({ pattern }) => {
      const ast = parsePattern(pattern)
      const printed = printPattern(ast)
      expect(stripOffsets(parsePattern(printed))).toEqual(stripOffsets(ast))
      expect(printPattern(parsePattern(printed))).toBe(printed)
      expect(checkPattern(printed).ok).toBe(true)
    },
  )
})

describe('S-170–S-189 invalid patterns (invalid.txt)', () => {
  it.each(invalid)(
    '$rule rejects $pattern at column $column ($reason)',
    ({ pattern, column, rule }) => {
      const r = checkPattern(pattern)
      expect(r.ok).toBe(false)
      if (r.ok) return
      expect({ rule: r.error.rule, column: r.error.column }, r.error.message).toEqual({
        rule,
        column,
      })
      expect(r.error.line).toBe(1)
      expect(r.error.message.length).toBeGreaterThan(10)
    },
  )

  it.each(invalid)(
    '$rule parsePattern agrees: throws PatternSyntaxError exactly for grammar errors ($pattern)',
    ({ pattern, column, rule }) => {
      let thrown: unknown
      try {
        parsePattern(pattern)
      } catch (e) {
        thrown = e
      }
      if (thrown === undefined) {
        // grammar-valid: the rule must be one of the checks run on the AST (§11.3 and S-174)
        expect(SYNTAX_RULES.has(rule) && rule !== 'S-174', rule).toBe(false)
        return
      }
      expect(thrown).toBeInstanceOf(PatternSyntaxError)
      const e = thrown as PatternSyntaxError
      expect({ rule: e.rule, column: e.column }).toEqual({ rule, column })
    },
  )
})
