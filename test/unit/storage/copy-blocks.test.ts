import { describe, expect, it } from 'vitest'
import { CopyBlocks } from '../../../src/storage/copy-blocks.js'

describe('CopyBlocks', () => {
  it('hands out blocks of its size and uses those given back again', () => {
    const pool = new CopyBlocks(256, 1024)
    const a = pool.take()
    const b = pool.take()
    expect([a.length, b.length]).toEqual([256, 256])
    expect(a.buffer === b.buffer && a.byteOffset === b.byteOffset).toBe(false)
    pool.give([a, b])
    expect(pool.free).toBe(2)
    const again = [pool.take(), pool.take()]
    expect(again).toContain(b)
    expect(again).toContain(a)
    expect(pool.free).toBe(0)
  })

  it('keeps no more than it may and nothing of another size', () => {
    const pool = new CopyBlocks(256, 1024)
    pool.give(Array.from({ length: 6 }, () => pool.take()))
    expect(pool.free).toBe(4)
    pool.give([Buffer.alloc(100)])
    expect(pool.free).toBe(4)
  })
})
