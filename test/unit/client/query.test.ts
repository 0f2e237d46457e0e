import { describe, expect, it } from 'vitest'
import { withQuery } from '../../../src/client/query.js'

const URL_ = 'http://h/api/collections/c/objects/'

describe('withQuery', () => {
  it('T-112 sends each match field once, values comma-separated, in a fixed order', () => {
    expect(
      withQuery(URL_, {
        next: 'a b',
        limit: 10,
        added_after: '2025-01-01T00:00:00.000001Z',
        match: { spec_version: ['2.1'], type: ['indicator', 'infrastructure'], id: ['x--1'] },
      }),
    ).toBe(
      `${URL_}?match[id]=x--1&match[type]=indicator,infrastructure&match[spec_version]=2.1` +
        '&added_after=2025-01-01T00:00:00.000001Z&limit=10&next=a%20b',
    )
  })

  it('percent-encodes what would change the meaning: +, &, =', () => {
    expect(withQuery(URL_, { added_after: '2025-01-01T01:00:00+01:00', next: 'a&b=c' })).toBe(
      `${URL_}?added_after=2025-01-01T01:00:00%2B01:00&next=a%26b%3Dc`,
    )
  })

  it('leaves the URL alone without parameters', () => {
    expect(withQuery(URL_, {})).toBe(URL_)
  })

  it('refuses an empty match list and a limit that is not a positive integer', () => {
    expect(() => withQuery(URL_, { match: { type: [] } })).toThrow(TypeError)
    for (const limit of [0, -1, 1.5, NaN]) {
      expect(() => withQuery(URL_, { limit }), String(limit)).toThrow(TypeError)
    }
  })
})
