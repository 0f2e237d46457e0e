import { describe, expect, it } from 'vitest'
import { isTaxiiJsonContentType, parseRetryAfter } from '../../../src/client/http.js'

describe('isTaxiiJsonContentType', () => {
  it.each([
    'application/taxii+json;version=2.1',
    'application/taxii+json; version=2.1',
    'application/taxii+json; charset=utf-8; version=2.1',
    'application/taxii+json ; version = 2.1',
    'Application/TAXII+JSON;Version="2.1"',
    'application/taxii+json',
    'application/taxii+json;charset=UTF-8',
    'application/json',
    'application/json; charset=utf-8',
  ])('T-021 accepts %s (servers in the field vary)', (ct) => {
    expect(isTaxiiJsonContentType(ct)).toBe(true)
  })

  it.each([
    'application/taxii+json;version=2.0',
    'application/stix+json;version=2.1',
    'text/html',
    'text/plain; charset=utf-8',
    '',
  ])('refuses %s', (ct) => {
    expect(isTaxiiJsonContentType(ct)).toBe(false)
  })

  it('refuses a missing Content-Type', () => {
    expect(isTaxiiJsonContentType(null)).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-07-14T09:30:00Z')

  it('T-212 reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
  })

  it('T-212 reads an HTTP date as the time left until it, never negative', () => {
    expect(parseRetryAfter('Mon, 14 Jul 2025 09:30:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Mon, 14 Jul 2025 09:29:00 GMT', now)).toBe(0)
  })

  it('ignores what is absent or unreadable', () => {
    for (const v of [null, '', 'soon', '1.5', '-3', 'Mon, 99 Foo 2025']) {
      expect(parseRetryAfter(v, now), String(v)).toBeUndefined()
    }
  })
})
