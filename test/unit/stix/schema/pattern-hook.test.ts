import { describe, expect, it, vi } from 'vitest'
import { createStixValidator } from '../../../../src/stix/schema/index.js'
import { loadFixture } from './fixtures.js'

const indicator = loadFixture('valid-sdo-sro.json').indicator ?? {}
const indicator20 = loadFixture('valid-2.0.json')['indicator-2.0'] ?? {}

describe('pattern hook (S-128)', () => {
  it('passes STIX patterns of accepted 2.1 indicators to the checker', () => {
    const patternCheck = vi.fn((_p: string): string | undefined => undefined)
    const validate = createStixValidator({ patternCheck })
    expect(validate(indicator)).toBeUndefined()
    expect(patternCheck).toHaveBeenCalledWith(indicator.pattern)
  })

  it('reports the checker message under its own S-id, with the path pattern', () => {
    const validate = createStixValidator({
      patternCheck: () => 'S-181 REPEATS needs a positive count',
    })
    expect(validate(indicator)).toBe('S-181 pattern: REPEATS needs a positive count')
  })

  it('reports a message without S-id under S-128', () => {
    const validate = createStixValidator({ patternCheck: () => "unexpected token ']' at 12" })
    expect(validate(indicator)).toBe("S-128 pattern: unexpected token ']' at 12")
  })

  it('accepts a checker message that already names the path', () => {
    const validate = createStixValidator({
      patternCheck: () => 'S-189 pattern: unknown unit MINUTES',
    })
    expect(validate(indicator)).toBe('S-189 pattern: unknown unit MINUTES')
  })

  it('leaves other pattern languages, STIX 2.0 content and non-indicators alone', () => {
    const patternCheck = vi.fn(() => 'S-128 never')
    const validate = createStixValidator({ patternCheck })
    expect(
      validate({ ...indicator, pattern_type: 'snort', pattern: 'alert tcp any any -> any 80' }),
    ).toBeUndefined()
    expect(validate(indicator20)).toBeUndefined()
    expect(validate(loadFixture('valid-sdo-sro.json').malware)).toBeUndefined()
    expect(patternCheck).not.toHaveBeenCalled()
  })

  it('does not check patterns when no checker is given', () => {
    expect(createStixValidator()({ ...indicator, pattern: 'not a pattern' })).toBeUndefined()
  })
})
