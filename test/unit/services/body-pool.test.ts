import { describe, expect, it } from 'vitest'
import { BodyPool } from '../../../src/services/body-pool.js'

const sameMemory = (a: Buffer, b: Buffer) => a.buffer === b.buffer && a.byteOffset === b.byteOffset

describe('BodyPool', () => {
  it('hands out buffers of the size asked for, and keeps none under its threshold', () => {
    const pool = new BodyPool(1000, 1 << 20)
    const small = pool.take(999)
    expect(small).toHaveLength(999)
    pool.give(small)
    expect(pool.freeBytes).toBe(0)
    const large = pool.take(5000)
    expect(large).toHaveLength(5000)
    pool.give(large)
    expect(pool.freeBytes).toBeGreaterThanOrEqual(5000)
  })

  it('uses a buffer given back again, the smallest that fits', () => {
    const pool = new BodyPool(1000, 1 << 20)
    const big = pool.take(50_000)
    const mid = pool.take(10_000)
    pool.give(big)
    pool.give(mid)
    const again = pool.take(9000)
    expect(again).toHaveLength(9000)
    expect(sameMemory(again, mid)).toBe(true)
    const larger = pool.take(20_000)
    expect(sameMemory(larger, big)).toBe(true)
    // nothing free fits: a new buffer
    expect(sameMemory(pool.take(20_000), big)).toBe(false)
  })

  it('never hands out one buffer twice at once, however often it is given back', () => {
    const pool = new BodyPool(1000, 1 << 20)
    const a = pool.take(4000)
    pool.give(a)
    pool.give(a)
    pool.give(Buffer.alloc(4000))
    const b = pool.take(4000)
    const c = pool.take(4000)
    expect(sameMemory(b, a)).toBe(true)
    expect(sameMemory(c, a)).toBe(false)
  })

  it('lets go of buffers beyond the bytes it may keep', () => {
    const pool = new BodyPool(1000, 10_000)
    const taken = [pool.take(4000), pool.take(4000), pool.take(4000)]
    for (const t of taken) pool.give(t)
    expect(pool.freeBytes).toBeLessThanOrEqual(10_000)
    expect(pool.freeBytes).toBeGreaterThanOrEqual(8000)
  })
})
