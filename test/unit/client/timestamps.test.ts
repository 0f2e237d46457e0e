import { describe, expect, it } from 'vitest'
import { timestampMinusMicrosecond } from '../../../src/client/timestamps.js'

describe('timestampMinusMicrosecond', () => {
  it.each([
    ['2025-01-01T00:00:00.123456Z', '2025-01-01T00:00:00.123455Z'],
    ['2025-01-01T00:00:00.000001Z', '2025-01-01T00:00:00.000000Z'],
    ['2025-01-01T00:00:00.123Z', '2025-01-01T00:00:00.122999Z'],
    ['2025-01-01T00:00:00.1Z', '2025-01-01T00:00:00.099999Z'],
    ['2025-01-01T00:00:00.123456789Z', '2025-01-01T00:00:00.123455Z'],
  ])('T-208 subtracts 1 µs from %s without touching the seconds', (input, expected) => {
    expect(timestampMinusMicrosecond(input)).toBe(expected)
  })

  it.each([
    ['2025-03-04T10:20:30.000000Z', '2025-03-04T10:20:29.999999Z'],
    ['2025-03-04T10:20:00Z', '2025-03-04T10:19:59.999999Z'],
    ['2025-03-04T10:00:00.000Z', '2025-03-04T09:59:59.999999Z'],
    ['2025-03-04T00:00:00.000000Z', '2025-03-03T23:59:59.999999Z'],
    ['2025-03-01T00:00:00Z', '2025-02-28T23:59:59.999999Z'],
    ['2024-03-01T00:00:00Z', '2024-02-29T23:59:59.999999Z'],
    ['2025-01-01T00:00:00Z', '2024-12-31T23:59:59.999999Z'],
    ['0100-01-01T00:00:00Z', '0099-12-31T23:59:59.999999Z'],
  ])('T-208 borrows across second, minute, hour, day, month and year: %s', (input, expected) => {
    expect(timestampMinusMicrosecond(input)).toBe(expected)
  })

  it('normalises numeric offsets to UTC', () => {
    expect(timestampMinusMicrosecond('2025-01-01T01:00:00.5+01:00')).toBe(
      '2025-01-01T00:00:00.499999Z',
    )
  })

  it('refuses what is not a timestamp, and the first instant of year 0000', () => {
    for (const bad of ['', 'yesterday', '2025-13-01T00:00:00Z', '2025-01-01 00:00:00']) {
      expect(() => timestampMinusMicrosecond(bad), bad).toThrow(TypeError)
    }
    expect(() => timestampMinusMicrosecond('0000-01-01T00:00:00Z')).toThrow(TypeError)
  })
})
