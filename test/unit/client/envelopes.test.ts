import { describe, expect, it } from 'vitest'
import { envelopeBody, packEnvelopes } from '../../../src/client/envelopes.js'

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const obj = (n: number, pad = '') => JSON.stringify({ type: 'indicator', id: `x--${n}`, pad })

describe('packEnvelopes', () => {
  it('T-214 keeps every body within maxBytes and every object exactly once, in order', () => {
    const texts = Array.from({ length: 50 }, (_, i) => obj(i, 'a'.repeat(i * 7)))
    const max = 600
    const { envelopes, tooLarge } = packEnvelopes(texts, max)
    expect(tooLarge).toEqual([])
    expect(envelopes.length).toBeGreaterThan(1)
    for (const e of envelopes) {
      expect(bytes(e.body)).toBeLessThanOrEqual(max)
      expect(JSON.parse(e.body).objects).toEqual(e.indexes.map((i) => JSON.parse(texts[i]!)))
      expect(e.body).toBe(envelopeBody(e.indexes.map((i) => texts[i]!)))
    }
    expect(envelopes.flatMap((e) => e.indexes)).toEqual(texts.map((_, i) => i))
  })

  it('T-214 fills an envelope up to exactly maxBytes (the limit is inclusive, T-076)', () => {
    const texts = [obj(1), obj(2), obj(3)]
    const exact = bytes(envelopeBody(texts.slice(0, 2)))
    const { envelopes } = packEnvelopes(texts, exact)
    expect(envelopes.map((e) => e.indexes)).toEqual([[0, 1], [2]])
    expect(bytes(envelopes[0]!.body)).toBe(exact)
    expect(packEnvelopes(texts, exact - 1).envelopes.map((e) => e.indexes)).toEqual([[0], [1], [2]])
  })

  it('T-214 counts UTF-8 bytes, not UTF-16 code units, for multi-byte text', () => {
    // 'é' is 2 bytes, '€' 3, '😀' 4 (2 code units): length and byte count differ.
    const texts = ['é'.repeat(40), '€'.repeat(40), '😀'.repeat(40)].map((p, i) => obj(i, p))
    const single = texts.map((t) => bytes(envelopeBody([t])))
    expect(single[2]).toBeGreaterThan(envelopeBody([texts[2]!]).length)
    const max = Math.max(...single)
    const { envelopes, tooLarge } = packEnvelopes(texts, max)
    expect(tooLarge).toEqual([])
    for (const e of envelopes) expect(bytes(e.body)).toBeLessThanOrEqual(max)
    // by UTF-16 length the first two would have fitted together
    expect(envelopes.map((e) => e.indexes)).toEqual([[0], [1], [2]])
  })

  it('T-214 reports an object too large for any envelope and never sends it', () => {
    const texts = [obj(0), obj(1, 'ü'.repeat(300)), obj(2)]
    const max = bytes(envelopeBody([texts[1]!])) - 1
    const { envelopes, tooLarge } = packEnvelopes(texts, max)
    expect(tooLarge).toEqual([1])
    expect(envelopes.map((e) => e.indexes)).toEqual([[0, 2]])
    expect(envelopes[0]!.body).not.toContain('ü')
  })

  it('caps the number of objects per envelope when asked', () => {
    const texts = Array.from({ length: 7 }, (_, i) => obj(i))
    const { envelopes } = packEnvelopes(texts, 1e6, { maxObjects: 3 })
    expect(envelopes.map((e) => e.indexes.length)).toEqual([3, 3, 1])
  })

  it('gives no envelope for no objects, and refuses a meaningless bound', () => {
    expect(packEnvelopes([], 100)).toEqual({ envelopes: [], tooLarge: [] })
    expect(() => packEnvelopes([obj(1)], 0)).toThrow(TypeError)
    expect(() => packEnvelopes([obj(1)], 100, { maxObjects: 0 })).toThrow(TypeError)
  })
})
