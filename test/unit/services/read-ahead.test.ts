import { describe, expect, it, vi } from 'vitest'
import { ReadAhead } from '../../../src/services/read-ahead.js'

const page = (n: number) => () => Promise.resolve({ n })

describe('ReadAhead', () => {
  it('hands a page read ahead to one request only, and only for its collection', async () => {
    const ahead = new ReadAhead<{ n: number }>(100, 1000)
    ahead.start('k', 'c1', 10, page(1))
    expect(ahead.take('k', 'c2')).toBeUndefined()
    ahead.start('k', 'c1', 10, page(2))
    expect(await ahead.take('k', 'c1')).toEqual({ n: 2 })
    expect(ahead.take('k', 'c1')).toBeUndefined()
  })

  it('drops the pages of a collection written to, even those still being read', async () => {
    const ahead = new ReadAhead<{ n: number }>(100, 1000)
    let finish!: (p: { n: number }) => void
    ahead.start('slow', 'c1', 10, () => new Promise((resolve) => (finish = resolve)))
    ahead.start('other', 'c2', 10, page(2))
    ahead.invalidate('c1')
    finish({ n: 1 })
    expect(ahead.take('slow', 'c1')).toBeUndefined()
    expect(await ahead.take('other', 'c2')).toEqual({ n: 2 })
    // a page started after the write is fresh again
    ahead.start('slow', 'c1', 10, page(3))
    expect(await ahead.take('slow', 'c1')).toEqual({ n: 3 })
  })

  it('keeps a page for its time only, and no more items than it may hold', async () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const ahead = new ReadAhead<{ n: number }>(25, 1000)
      ahead.start('a', 'c', 10, page(1))
      ahead.start('b', 'c', 10, page(2))
      ahead.start('full', 'c', 10, page(3))
      expect(ahead.take('full', 'c')).toBeUndefined()
      vi.advanceTimersByTime(1001)
      expect(ahead.take('a', 'c')).toBeUndefined()
      // expired pages free their room
      ahead.start('later', 'c', 20, page(4))
      expect(await ahead.take('later', 'c')).toEqual({ n: 4 })
    } finally {
      vi.useRealTimers()
    }
  })

  it('a failed read is no page: the request reads again', async () => {
    const ahead = new ReadAhead<{ n: number }>(100, 1000)
    ahead.start('k', 'c', 10, () => Promise.reject(new Error('connection lost')))
    expect(await ahead.take('k', 'c')).toBeUndefined()
  })
})
