import { describe, expect, it } from 'vitest'
import {
  analyzePattern,
  checkPattern,
  formatIssue,
  parsePattern,
} from '../../../../src/stix/pattern/index.js'

const fail = (text: string, options = {}) => {
  const r = checkPattern(text, options)
  if (r.ok) throw new Error(`accepted: ${text}`)
  return r.error
}

describe('checkPattern', () => {
  it('S-199 checks patterns of conformance level 3: observation operators and every qualifier', () => {
    for (const text of [
      // level 1: one observation expression, every comparison operator
      "[file:name LIKE 'inv%' AND file:size > 10 AND file:name NOT MATCHES '^x']",
      "[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR ipv4-addr:value IN ('203.0.113.1')]",
      // level 2: observation AND and OR
      "[file:name = 'a'] AND [file:name = 'b'] OR [ipv4-addr:value = '203.0.113.1']",
      // level 3: FOLLOWEDBY and the qualifiers
      "[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] WITHIN 300 SECONDS",
      "[file:name = 'a'] REPEATS 5 TIMES",
      "[file:name = 'a'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'",
      "([file:name = 'a'] FOLLOWEDBY [file:name = 'b']) REPEATS 2 TIMES WITHIN 60 SECONDS",
    ]) {
      expect(checkPattern(text), text).toMatchObject({ ok: true })
    }
  })

  it('returns the pattern and no warnings for a clean pattern', () => {
    const r = checkPattern(
      "[ipv4-addr:value = '198.51.100.0/24'] OR [autonomous-system:number = 15139]",
    )
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(r.pattern.kind).toBe('pattern')
      expect(r.warnings).toEqual([])
    }
  })

  it('never throws, whatever the input', () => {
    for (const s of [
      '',
      '[',
      "'",
      '\\',
      '\u0000',
      '\ud800',
      '((((',
      "[a:b = h'",
      "[x-a:b MATCHES '(']",
    ]) {
      expect(() => checkPattern(s)).not.toThrow()
    }
  })

  it('reports the first error by position when there are several', () => {
    const text = "[foo:bar = 1 AND file:name MATCHES '('] REPEATS 0 TIMES"
    const { errors } = analyzePattern(parsePattern(text), text)
    expect(errors.map((e) => e.rule)).toEqual(['S-186', 'S-182', 'S-185', 'S-181'])
    expect(fail(text).rule).toBe('S-186')
  })

  it('formats an error with a caret under the column', () => {
    const text = "[file:name = 'a']\nAND [file:hashes.'SHA-256' = 'abc']"
    expect(formatIssue(text, fail(text))).toBe(
      'S-187 line 2, column 30: SHA-256 hashes are strings of 64 hex digits\n' +
        "AND [file:hashes.'SHA-256' = 'abc']\n" +
        '                             ^',
    )
  })
})

describe('S-186 object types and paths', () => {
  it('accepts every STIX-defined SCO type', () => {
    for (const t of [
      'artifact',
      'autonomous-system',
      'directory',
      'domain-name',
      'email-addr',
      'email-message',
      'file',
      'ipv4-addr',
      'ipv6-addr',
      'mac-addr',
      'mutex',
      'network-traffic',
      'process',
      'software',
      'url',
      'user-account',
      'windows-registry-key',
      'x509-certificate',
    ]) {
      expect(checkPattern(`[${t}:id = '${t}--00000000-0000-4000-8000-000000000000']`).ok, t).toBe(
        true,
      )
      expect(checkPattern(`[EXISTS ${t}:x_custom.anything[0]]`).ok, t).toBe(true)
    }
  })

  it('accepts types declared by the caller (e.g. new-sco extension definitions)', () => {
    const text = '[acme-sensor:reading > 5]'
    expect(fail(text)).toMatchObject({ rule: 'S-186', column: 2 })
    expect(checkPattern(text, { customTypes: ['acme-sensor'] }).ok).toBe(true)
    expect(checkPattern(text, { customTypes: new Set(['acme-sensor']) }).ok).toBe(true)
  })

  it('follows references to the properties of the target types', () => {
    expect(checkPattern("[network-traffic:src_ref.value = '10.0.0.1']").ok).toBe(true)
    expect(checkPattern("[network-traffic:src_ref.resolves_to_refs[*].value = 'x']").ok).toBe(true)
    expect(fail("[network-traffic:src_ref.name = 'x']")).toMatchObject({
      rule: 'S-186',
      column: 26,
    })
  })
})

describe('warnings', () => {
  it('S-181 STOP not after START is a warning, not an error', () => {
    const r = checkPattern(
      "[file:name = 'a'] START t'2025-01-02T00:00:00.000Z' STOP t'2025-01-02T00:00:00Z'",
    )
    expect(r.ok).toBe(true)
    expect(r.warnings).toMatchObject([{ rule: 'S-181', column: 58 }])
  })

  it('START/STOP compare at full precision', () => {
    const r = checkPattern(
      "[file:name = 'a'] START t'2025-01-01T00:00:00.1234567891Z' STOP t'2025-01-01T00:00:00.123456789Z'",
    )
    expect(r.warnings.map((w) => w.rule)).toEqual(['S-181'])
    const ok = checkPattern(
      "[file:name = 'a'] START t'2025-01-01T00:00:00.123456789Z' STOP t'2025-01-01T00:00:00.1234567891Z'",
    )
    expect(ok.warnings).toEqual([])
  })

  it('S-130 START/STOP outside the indicator validity window are warnings', () => {
    const text = "[file:name = 'a'] START t'2025-01-01T00:00:00Z' STOP t'2025-03-01T00:00:00Z'"
    const r = checkPattern(text, {
      validFrom: '2025-02-01T00:00:00Z',
      validUntil: '2025-02-15T00:00:00Z',
    })
    expect(r.ok).toBe(true)
    expect(r.warnings.map((w) => [w.rule, w.column])).toEqual([
      ['S-130', 25],
      ['S-130', 54],
    ])
    const inside = checkPattern(text, {
      validFrom: '2025-01-01T00:00:00Z',
      validUntil: '2025-03-01T00:00:00.000Z',
    })
    expect(inside.warnings).toEqual([])
  })

  it('warnings survive an error', () => {
    const r = checkPattern(
      "[file:name = 'a'] START t'2025-02-01T00:00:00Z' STOP t'2025-01-01T00:00:00Z' AND [foo:x = 1]",
    )
    expect(r.ok).toBe(false)
    expect(r.warnings.map((w) => w.rule)).toEqual(['S-181'])
  })
})

describe('S-185 MATCHES positions point into the string literal', () => {
  it('maps the regex index back through escapes', () => {
    // the value is `\\(a`: the unclosed `(` is regex index 2, source column 25
    const text = "[file:name MATCHES '\\\\\\\\(a']"
    expect(fail(text)).toMatchObject({ rule: 'S-185', column: 25 })
    const e = fail("[file:name MATCHES 'ok\\'s)']")
    expect(e).toMatchObject({ rule: 'S-185', column: 26 })
  })
})
