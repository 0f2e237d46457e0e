import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MarkCounter } from '../../../bench/http.js'

const MARK = Buffer.from('{"type":"indicator"')

function wholeCount(bytes: Buffer): number {
  let count = 0
  for (let i = bytes.indexOf(MARK); i >= 0; i = bytes.indexOf(MARK, i + MARK.length)) count++
  return count
}

/** Pieces of text, some of them the mark or a part of it, so marks sit across every boundary. */
const body = fc
  .array(
    fc.oneof(
      fc.constant(MARK.toString()),
      fc.integer({ min: 1, max: MARK.length - 1 }).map((n) => MARK.toString().slice(0, n)),
      fc.integer({ min: 1, max: MARK.length - 1 }).map((n) => MARK.toString().slice(n)),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join('')))

describe('the bench counts objects in a body that arrives in chunks', () => {
  it('counts as many marks as a search of the whole body, however it is cut', () => {
    fc.assert(
      fc.property(
        body,
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        (bytes, cuts) => {
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
          const counter = new MarkCounter(MARK)
          let from = 0
          for (const to of [...at, bytes.length]) {
            counter.push(bytes.subarray(from, to))
            from = to
          }
          expect(counter.count).toBe(wholeCount(bytes))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('finds a mark cut into one-byte chunks', () => {
    const bytes = Buffer.concat([Buffer.from('[ '), MARK, Buffer.from(','), MARK])
    const counter = new MarkCounter(MARK)
    for (let i = 0; i < bytes.length; i++) counter.push(bytes.subarray(i, i + 1))
    expect(counter.count).toBe(2)
  })
})
