import { describe, expect, it } from 'vitest'
import {
  addMicroseconds,
  consecutiveStamps,
  STAMP_SPACING_US,
  taxiiOfPgMicroseconds,
} from '../../../src/storage/taxii-time.js'

describe('taxiiOfPgMicroseconds', () => {
  it('reads microseconds since 2000-01-01 UTC exactly, on both sides of that epoch', () => {
    expect(taxiiOfPgMicroseconds(0n)).toBe('2000-01-01T00:00:00.000000Z')
    expect(taxiiOfPgMicroseconds(1n)).toBe('2000-01-01T00:00:00.000001Z')
    expect(taxiiOfPgMicroseconds(-1n)).toBe('1999-12-31T23:59:59.999999Z')
    expect(taxiiOfPgMicroseconds(-1000n)).toBe('1999-12-31T23:59:59.999000Z')
    // 2025-07-14T09:30:00.123456Z, a value JS numbers of milliseconds cannot hold
    const us = (BigInt(Date.UTC(2025, 6, 14, 9, 30)) - 946_684_800_000n) * 1000n + 123_456n
    expect(taxiiOfPgMicroseconds(us)).toBe('2025-07-14T09:30:00.123456Z')
    expect(taxiiOfPgMicroseconds(us + 543n)).toBe('2025-07-14T09:30:00.123999Z')
    expect(taxiiOfPgMicroseconds(us + 544n)).toBe('2025-07-14T09:30:00.124000Z')
  })

  it('agrees with addMicroseconds step by step across a second and a year end', () => {
    const base = (BigInt(Date.UTC(2026, 11, 31, 23, 59, 59)) - 946_684_800_000n) * 1000n + 999_990n
    for (let n = 0; n < 30; n++) {
      expect(taxiiOfPgMicroseconds(base + BigInt(n))).toBe(
        addMicroseconds('2026-12-31T23:59:59.999990Z', n),
      )
    }
  })
})

describe('consecutiveStamps', () => {
  it('T-134 equals addMicroseconds for every offset, across millisecond, second and year ends', () => {
    for (const base of [
      '2026-11-29T12:29:38.081829Z',
      '2026-12-31T23:59:59.999998Z',
      '2024-02-29T23:59:59.999000Z',
      '2025-01-01T00:00:00.000000Z',
    ]) {
      const stamps = consecutiveStamps(base, 2500)
      expect(stamps).toHaveLength(2500)
      stamps.forEach((s, i) => {
        const expected = addMicroseconds(base, STAMP_SPACING_US * i)
        if (s !== expected) expect(s).toBe(expected)
      })
    }
  })

  it('T-134 puts no more than 50 stamps in a millisecond', () => {
    const perMillisecond = new Map<string, number>()
    for (const s of consecutiveStamps('2026-11-29T12:29:38.081829Z', 5000)) {
      perMillisecond.set(s.slice(0, 23), (perMillisecond.get(s.slice(0, 23)) ?? 0) + 1)
    }
    expect(Math.max(...perMillisecond.values())).toBe(50)
  })

  it('gives nothing for n = 0', () => {
    expect(consecutiveStamps('2025-01-01T00:00:00.000000Z', 0)).toEqual([])
  })
})
