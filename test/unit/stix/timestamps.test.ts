import { describe, it, expect } from 'vitest'
import {
  fractionDigits,
  isStixTimestamp,
  parseAddedAfter,
  toTaxiiTimestamp,
  versionKey,
} from '../../../src/stix/timestamps.js'

describe('isStixTimestamp', () => {
  it('S-024 accepts UTC timestamps with 0 or more fractional digits', () => {
    for (const s of [
      '2025-07-14T09:30:00Z',
      '2025-07-14T09:30:00.1Z',
      '2025-07-14T09:30:00.000Z',
      '2025-07-14T09:30:00.123456789012Z',
      '2016-12-31T23:59:60Z',
      '0000-01-01T00:00:00Z',
    ]) {
      expect(isStixTimestamp(s), s).toBe(true)
    }
  })

  it('S-024 rejects other shapes: offsets, lowercase, missing parts, empty fraction', () => {
    for (const s of [
      '2025-07-14T09:30:00',
      '2025-07-14T09:30:00.Z',
      '2025-07-14T09:30:00+00:00',
      '2025-07-14t09:30:00Z',
      '2025-07-14T09:30:00z',
      '2025-07-14 09:30:00Z',
      '2025-07-14T09:30Z',
      '2025-07-14',
      '25-07-14T09:30:00Z',
      '2025-7-14T09:30:00Z',
      ' 2025-07-14T09:30:00Z',
      '2025-07-14T09:30:00Z\n',
    ]) {
      expect(isStixTimestamp(s), s).toBe(false)
    }
  })

  it('S-024 rejects out-of-range fields', () => {
    for (const s of [
      '2025-00-14T09:30:00Z',
      '2025-13-14T09:30:00Z',
      '2025-07-00T09:30:00Z',
      '2025-07-32T09:30:00Z',
      '2025-07-14T24:00:00Z',
      '2025-07-14T09:60:00Z',
      '2025-07-14T09:30:61Z',
    ]) {
      expect(isStixTimestamp(s), s).toBe(false)
    }
  })

  it('S-024 applies the calendar: no 31 April, June, September, November', () => {
    for (const m of ['04', '06', '09', '11']) {
      expect(isStixTimestamp(`2025-${m}-30T00:00:00Z`)).toBe(true)
      expect(isStixTimestamp(`2025-${m}-31T00:00:00Z`)).toBe(false)
    }
    expect(isStixTimestamp('2025-12-31T00:00:00Z')).toBe(true)
  })

  it('S-024 honours leap years (every 4th, not centuries, except every 400th)', () => {
    expect(isStixTimestamp('2024-02-29T00:00:00Z')).toBe(true)
    expect(isStixTimestamp('2000-02-29T00:00:00Z')).toBe(true)
    expect(isStixTimestamp('2025-02-29T00:00:00Z')).toBe(false)
    expect(isStixTimestamp('1900-02-29T00:00:00Z')).toBe(false)
    expect(isStixTimestamp('2100-02-29T00:00:00Z')).toBe(false)
    expect(isStixTimestamp('2024-02-30T00:00:00Z')).toBe(false)
    expect(isStixTimestamp('2025-02-28T00:00:00Z')).toBe(true)
  })
})

describe('fractionDigits', () => {
  it('S-024 counts fractional-second digits', () => {
    expect(fractionDigits('2025-07-14T09:30:00Z')).toBe(0)
    expect(fractionDigits('2025-07-14T09:30:00.1Z')).toBe(1)
    expect(fractionDigits('2025-07-14T09:30:00.000Z')).toBe(3)
    expect(fractionDigits('2025-07-14T09:30:00.123456789012Z')).toBe(12)
  })
})

describe('versionKey', () => {
  it('T-120 gives …:01Z, …:01.000Z and …:01.000000Z the same key', () => {
    const keys = ['2025-07-14T09:30:01Z', '2025-07-14T09:30:01.000Z', '2025-07-14T09:30:01.000000Z']
    expect(new Set(keys.map(versionKey))).toEqual(new Set(['2025-07-14T09:30:01.000000000']))
  })

  it('T-120 strips trailing zeros and pads to 9 digits, keeping longer fractions whole', () => {
    expect(versionKey('2025-07-14T09:30:01.5Z')).toBe('2025-07-14T09:30:01.500000000')
    expect(versionKey('2025-07-14T09:30:01.50Z')).toBe('2025-07-14T09:30:01.500000000')
    expect(versionKey('2025-07-14T09:30:01.1234567891Z')).toBe('2025-07-14T09:30:01.1234567891')
    expect(versionKey('2025-07-14T09:30:01.12345678910000Z')).toBe('2025-07-14T09:30:01.1234567891')
  })

  it('T-120 orders instants at nanosecond precision and beyond by string comparison', () => {
    const ascending = [
      '2025-07-14T09:30:00.999999999Z',
      '2025-07-14T09:30:01Z',
      '2025-07-14T09:30:01.000000001Z',
      '2025-07-14T09:30:01.0000000010001Z',
      '2025-07-14T09:30:01.000000002Z',
      '2025-07-14T09:30:01.1Z',
      '2025-07-14T09:30:01.100000000001Z',
      '2025-07-14T09:30:01.123456789Z',
      '2025-07-14T09:30:01.9Z',
      '2025-07-14T09:30:02Z',
      '2025-07-14T23:59:60.5Z',
      '2025-07-15T00:00:00Z',
    ]
    const keys = ascending.map(versionKey)
    const shuffled = [...keys].reverse()
    expect(shuffled.sort()).toEqual(keys)
    expect(new Set(keys).size).toBe(keys.length)
  })
})

describe('toTaxiiTimestamp', () => {
  it('T-011 pads to exactly 6 fractional digits', () => {
    expect(toTaxiiTimestamp('2025-07-14T09:30:00Z')).toBe('2025-07-14T09:30:00.000000Z')
    expect(toTaxiiTimestamp('2025-07-14T09:30:00.12Z')).toBe('2025-07-14T09:30:00.120000Z')
    expect(toTaxiiTimestamp('2025-07-14T09:30:00.123456Z')).toBe('2025-07-14T09:30:00.123456Z')
  })

  it('T-011 truncates (floors) digits beyond microseconds', () => {
    expect(toTaxiiTimestamp('2025-07-14T09:30:00.1234569Z')).toBe('2025-07-14T09:30:00.123456Z')
    expect(toTaxiiTimestamp('2025-07-14T09:30:00.999999999Z')).toBe('2025-07-14T09:30:00.999999Z')
  })
})

describe('parseAddedAfter', () => {
  it('T-102 accepts a TAXII timestamp unchanged', () => {
    expect(parseAddedAfter('2025-07-14T09:31:02.418301Z')).toBe('2025-07-14T09:31:02.418301Z')
  })

  it('T-102 T-011 accepts 0 to 9 fractional digits and always returns 6', () => {
    expect(parseAddedAfter('2025-07-14T09:31:02Z')).toBe('2025-07-14T09:31:02.000000Z')
    expect(parseAddedAfter('2025-07-14T09:31:02.4Z')).toBe('2025-07-14T09:31:02.400000Z')
    expect(parseAddedAfter('2025-07-14T09:31:02.418Z')).toBe('2025-07-14T09:31:02.418000Z')
    expect(parseAddedAfter('2025-07-14T09:31:02.123456789Z')).toBe('2025-07-14T09:31:02.123456Z')
    expect(parseAddedAfter('2025-07-14T09:31:02.1234567890Z')).toBeUndefined()
  })

  it('T-102 floors extra digits instead of rounding', () => {
    expect(parseAddedAfter('2025-07-14T09:31:02.999999999Z')).toBe('2025-07-14T09:31:02.999999Z')
    expect(parseAddedAfter('2025-12-31T23:59:59.9999995Z')).toBe('2025-12-31T23:59:59.999999Z')
  })

  it('T-102 accepts lowercase z and t', () => {
    expect(parseAddedAfter('2025-07-14t09:31:02z')).toBe('2025-07-14T09:31:02.000000Z')
  })

  it('T-102 normalises numeric offsets to UTC', () => {
    expect(parseAddedAfter('2025-07-14T05:31:02-04:00')).toBe('2025-07-14T09:31:02.000000Z')
    expect(parseAddedAfter('2025-07-14T11:31:02+02:00')).toBe('2025-07-14T09:31:02.000000Z')
    expect(parseAddedAfter('2025-07-14T15:01:02+05:30')).toBe('2025-07-14T09:31:02.000000Z')
    expect(parseAddedAfter('2025-07-14T09:31:02+00:00')).toBe('2025-07-14T09:31:02.000000Z')
    expect(parseAddedAfter('2025-07-14T09:31:02-00:00')).toBe('2025-07-14T09:31:02.000000Z')
  })

  it('T-102 offsets crossing day, month and year boundaries, including leap days', () => {
    expect(parseAddedAfter('2025-01-01T01:00:00+02:00')).toBe('2024-12-31T23:00:00.000000Z')
    expect(parseAddedAfter('2024-02-28T23:30:00-01:00')).toBe('2024-02-29T00:30:00.000000Z')
    expect(parseAddedAfter('2025-02-28T23:30:00-01:00')).toBe('2025-03-01T00:30:00.000000Z')
  })

  it('T-102 keeps sub-millisecond digits with an offset (9 fractional digits)', () => {
    expect(parseAddedAfter('2025-07-14T05:31:02.123456789-04:00')).toBe(
      '2025-07-14T09:31:02.123456Z',
    )
    expect(parseAddedAfter('2025-01-01T00:59:59.999999999+01:00')).toBe(
      '2024-12-31T23:59:59.999999Z',
    )
  })

  it('T-102 reads a space in place of + as a positive offset', () => {
    expect(parseAddedAfter('2025-01-01T10:00:00 05:00')).toBe('2025-01-01T05:00:00.000000Z')
    expect(parseAddedAfter('2025-01-01T10:00:00.000001 05:00')).toBe('2025-01-01T05:00:00.000001Z')
  })

  it('T-102 maps a leap second to the last microsecond of its minute', () => {
    expect(parseAddedAfter('2016-12-31T23:59:60Z')).toBe('2016-12-31T23:59:59.999999Z')
    expect(parseAddedAfter('2017-01-01T00:59:60.5+01:00')).toBe('2016-12-31T23:59:59.999999Z')
  })

  it('T-011 T-102 takes years 0001 to 9999 only, offsets included (PostgreSQL has no year 0000)', () => {
    expect(parseAddedAfter('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000000Z')
    expect(parseAddedAfter('9999-12-31T23:59:59.999999Z')).toBe('9999-12-31T23:59:59.999999Z')
    expect(parseAddedAfter('0000-01-01T00:00:00Z')).toBeUndefined()
    expect(parseAddedAfter('0000-01-01T00:30:00+01:00')).toBeUndefined()
    expect(parseAddedAfter('0001-01-01T00:30:00+01:00')).toBeUndefined()
    expect(parseAddedAfter('9999-12-31T23:30:00-01:00')).toBeUndefined()
  })

  it('T-102 rejects invalid calendar dates', () => {
    expect(parseAddedAfter('2025-02-29T00:00:00Z')).toBeUndefined()
    expect(parseAddedAfter('1900-02-29T00:00:00Z')).toBeUndefined()
    expect(parseAddedAfter('2025-04-31T00:00:00Z')).toBeUndefined()
    expect(parseAddedAfter('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000000Z')
    expect(parseAddedAfter('2000-02-29T00:00:00Z')).toBe('2000-02-29T00:00:00.000000Z')
  })

  it('T-102 rejects anything that is not an RFC 3339 date-time', () => {
    for (const s of [
      '',
      '2025-07-14',
      '2025-07-14T09:31Z',
      '2025-07-14T09:31:02',
      '2025-07-14T09:31:02.Z',
      '2025-07-14 09:31:02Z',
      '2025-07-14T24:00:00Z',
      '2025-07-14T09:60:00Z',
      '2025-07-14T09:31:61Z',
      '2025-13-01T00:00:00Z',
      '2025-07-14T09:31:02+0500',
      '2025-07-14T09:31:02+05',
      '2025-07-14T09:31:02+24:00',
      '2025-07-14T09:31:02+05:60',
      '2025-07-14T09:31:02  05:00',
      '2025-07-14T09:31:02Z ',
      '1752485462',
      'yesterday',
    ]) {
      expect(parseAddedAfter(s), s).toBeUndefined()
    }
  })
})
