import { describe, expect, it, vi } from 'vitest'
import { RecentReads } from '../../../src/storage/recent-reads.js'

describe('RecentReads', () => {
  it('serves a row found again until its time is up, then reads it anew', async () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const reads = new RecentReads<{ v: number }>(1000)
      let loads = 0
      const load = () => Promise.resolve({ v: ++loads })
      expect(await reads.read('a', load)).toEqual({ v: 1 })
      expect(await reads.read('a', load)).toEqual({ v: 1 })
      vi.advanceTimersByTime(1001)
      expect(await reads.read('a', load)).toEqual({ v: 2 })
    } finally {
      vi.useRealTimers()
    }
  })

  it('never keeps a key not found, so a row created meanwhile is seen at once', async () => {
    const reads = new RecentReads<string>(60_000)
    let row: string | undefined = undefined
    const load = () => Promise.resolve(row)
    expect(await reads.read('c', load)).toBeUndefined()
    row = 'created'
    expect(await reads.read('c', load)).toBe('created')
  })

  it('forgets the rows picked, and only those', async () => {
    const reads = new RecentReads<{ pk: string; n: number }>(60_000)
    let n = 0
    const load = (pk: string) => () => Promise.resolve({ pk, n: ++n })
    await reads.read('x', load('1'))
    await reads.read('y', load('2'))
    reads.forget((row) => row.pk === '1')
    expect(await reads.read('x', load('1'))).toEqual({ pk: '1', n: 3 })
    expect(await reads.read('y', load('2'))).toEqual({ pk: '2', n: 2 })
    reads.forget()
    expect(await reads.read('y', load('2'))).toEqual({ pk: '2', n: 4 })
  })
})
