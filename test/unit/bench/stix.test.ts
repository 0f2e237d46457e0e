import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EnvelopeWriter, objectId, objectText } from '../../../bench/stix.js'

describe('bench indicators', () => {
  it('write their timestamps as toISOString does, whatever the index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000_000 }), (i) => {
        const o = JSON.parse(objectText(i)) as Record<string, string>
        for (const stamp of [o.created!, o.modified!]) {
          expect(new Date(stamp).toISOString()).toBe(stamp)
        }
        expect(o.valid_from).toBe(o.created)
        expect(o.modified! >= o.created!).toBe(true)
        expect(o.id).toBe(objectId(i))
        expect(o.id).toMatch(/^indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-/)
        expect(Number.parseInt(o.id!.slice(-12), 16)).toBe(i)
      }),
    )
  })

  it('are dated 37 s apart, so a million of them span about a year', () => {
    const created = (i: number) =>
      Date.parse((JSON.parse(objectText(i)) as { created: string }).created)
    expect(Math.abs(created(1) - created(0) - 37_000)).toBeLessThan(1000)
    expect(new Date(created(999_999)).getUTCFullYear()).toBe(2026)
  })
})

describe('EnvelopeWriter', () => {
  it('writes the envelope of the objects asked for, reusing its buffer between envelopes', () => {
    const writer = new EnvelopeWriter()
    for (const [first, count] of [
      [0, 1000],
      [7, 3],
      [123_456, 1500],
      [10, 1],
    ] as const) {
      const body = writer.write(first, count).toString('utf8')
      const parsed = JSON.parse(body) as { objects: unknown[] }
      expect(parsed.objects).toHaveLength(count)
      expect(parsed.objects[0]).toEqual(JSON.parse(objectText(first)))
      expect(parsed.objects[count - 1]).toEqual(JSON.parse(objectText(first + count - 1)))
      expect(body).toBe(
        `{"objects":[${Array.from({ length: count }, (_, k) => objectText(first + k)).join(',')}]}`,
      )
    }
  })
})
