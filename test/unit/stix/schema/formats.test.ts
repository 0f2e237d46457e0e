import { describe, expect, it } from 'vitest'
import {
  compareTimestamps,
  isIpv4OrCidr,
  isIpv6OrCidr,
  isTimestamp,
} from '../../../../src/stix/schema/formats.js'
import { isStixTimestamp, versionKey } from '../../../../src/stix/timestamps.js'

const timestamps = [
  '2016-01-01T00:00:00Z',
  '2016-01-01T00:00:00.000Z',
  '2016-01-01T00:00:00.1Z',
  '2016-01-01T00:00:00.100000Z',
  '2016-01-01T00:00:00.123456789Z',
  '2016-01-01T00:00:00.12345678901Z',
  '2016-02-29T23:59:60Z',
  '2015-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '2016-04-31T00:00:00Z',
  '2016-04-30T00:00:00Z',
  '2016-12-31T23:59:59.999Z',
  '2016-13-01T00:00:00Z',
  '2016-01-01 00:00:00Z',
  '2016-01-01T00:00:00.Z',
  '2016-01-01T00:00:00z',
  '2016-01-01T24:00:00Z',
  '2016-01-01T00:00:00+00:00',
]

describe('hot-path timestamp helpers agree with src/stix/timestamps.ts', () => {
  it.each(timestamps)('isTimestamp(%s)', (t) => {
    expect(isTimestamp(t)).toBe(isStixTimestamp(t))
  })

  it('orders like versionKey, at full precision', () => {
    const valid = timestamps.filter(isStixTimestamp)
    for (const a of valid) {
      for (const b of valid) {
        const expected = Math.sign(versionKey(a).localeCompare(versionKey(b)))
        expect(Math.sign(compareTimestamps(a, b)), `${a} vs ${b}`).toBe(expected)
      }
    }
  })
})

describe('IP formats (S-107, S-108)', () => {
  it.each(['198.51.100.3', '0.0.0.0', '198.51.100.0/24', '10.0.0.0/8', '1.2.3.4/32'])(
    'IPv4 %s',
    (v) => expect(isIpv4OrCidr(v)).toBe(true),
  )
  it.each(['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4/33', '1.2.3.4/', ' 1.2.3.4'])(
    'not IPv4 %s',
    (v) => expect(isIpv4OrCidr(v)).toBe(false),
  )
  it.each([
    '::1',
    '2001:db8::',
    '2001:db8::/32',
    '::ffff:198.51.100.3',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  ])('IPv6 %s', (v) => expect(isIpv6OrCidr(v)).toBe(true))
  it.each(['2001:db8::1::2', 'fe80::1%eth0', '2001:db8::/129', '198.51.100.3', '::/'])(
    'not IPv6 %s',
    (v) => expect(isIpv6OrCidr(v)).toBe(false),
  )
})
