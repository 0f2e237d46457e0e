import { describe, expect, it } from 'vitest'
import { readEnvelope } from '../../../src/stix/envelope.js'
import { spelledIntegerProblem } from '../../../src/stix/spelled-integers.js'
import { createObjectValidator } from '../../../src/stix/validate.js'

const validate = createObjectValidator()

const INDICATOR =
  '"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = \'10.0.0.0/8\']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"'
const LOCATION =
  '"type":"location","spec_version":"2.1","id":"location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z"'

/** The hub's verdict on one object's text, as ingest reaches it: the validator, then S-019. */
function verdict(members: string): string | undefined {
  const [item] = readEnvelope(`{"objects":[{${members}}]}`, { maxObjects: 1 })
  const value = item!.value
  const before = JSON.stringify(value)
  const problem = validate(value) ?? spelledIntegerProblem(validate, item!)
  expect(JSON.stringify(value)).toBe(before)
  return problem
}

describe('spelledIntegerProblem', () => {
  it('S-019 refuses an integer property written with a fraction or an exponent', () => {
    expect(verdict(`${INDICATOR},"confidence":50.0`)).toBe(
      'S-019 confidence: an integer is written without a fraction or an exponent, not 50.0',
    )
    expect(verdict(`${INDICATOR},"confidence":1e2`)).toBe(
      'S-019 confidence: an integer is written without a fraction or an exponent, not 1e2',
    )
    expect(verdict(`${INDICATOR},"confidence":0.0`)).toMatch(/^S-019 confidence: .* not 0\.0$/)
  })

  it('S-019 accepts the same integer written plainly', () => {
    expect(verdict(`${INDICATOR},"confidence":50`)).toBeUndefined()
  })

  it('S-019 accepts whole numbers so written where a number is allowed, even at a bound', () => {
    expect(verdict(`${LOCATION},"latitude":90.0,"longitude":-180.0`)).toBeUndefined()
    expect(verdict(`${INDICATOR},"x_score":5.0,"x_list":[1.0,2e0]`)).toBeUndefined()
  })
})
