import { describe, expect, it, vi } from 'vitest'
import { ReadAhead, type PageRead } from '../../../src/services/read-ahead.js'

interface Page {
  n: number
}

const page = (key: string, n: number): PageRead<Page> => ({
  key,
  read: () => Promise.resolve([{ n }]),
})
const none = () => undefined

/**
 * A walk over pages 'p1', 'p2', … up to `last`, whose reads are recorded as the pages each read
 * gave: 'p2' for one page, 'p2-p3' for a run of two.
 */
function walk(last = Infinity) {
  const reads: string[] = []
  const step = (n: number): PageRead<Page> => ({
    key: `p${n}`,
    read: (pages) => {
      const end = Math.min(n + pages - 1, Math.max(n, last))
      reads.push(end === n ? `p${n}` : `p${n}-p${end}`)
      return Promise.resolve(Array.from({ length: end - n + 1 }, (_, i) => ({ n: n + i })))
    },
  })
  return { reads, step, following: (p: Page) => (p.n < last ? step(p.n + 1) : undefined) }
}

/** Lets reads started from settled pages run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('ReadAhead', () => {
  it('hands a page read ahead to one request only, and only for its collection', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    ahead.start('c1', 10, page('k', 1), none)
    expect(ahead.take('k', 'c2')).toBeUndefined()
    ahead.start('c1', 10, page('k', 2), none)
    expect(await ahead.take('k', 'c1')).toEqual({ n: 2 })
    expect(ahead.take('k', 'c1')).toBeUndefined()
  })

  it('drops the pages of a collection written to, even those still being read', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    let finish!: (p: Page) => void
    const slow = {
      key: 'slow',
      read: () => new Promise<Page[]>((resolve) => (finish = (p) => resolve([p]))),
    }
    ahead.start('c1', 10, slow, none)
    ahead.start('c2', 10, page('other', 2), none)
    ahead.invalidate('c1')
    finish({ n: 1 })
    expect(ahead.take('slow', 'c1')).toBeUndefined()
    expect(await ahead.take('other', 'c2')).toEqual({ n: 2 })
    // a page started after the write is fresh again
    ahead.start('c1', 10, page('slow', 3), none)
    expect(await ahead.take('slow', 'c1')).toEqual({ n: 3 })
  })

  it('keeps a page for its time only, and no more items than it may hold', async () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const ahead = new ReadAhead<Page>(25, 1000, 20)
      ahead.start('c', 10, page('a', 1), none)
      ahead.start('c', 10, page('b', 2), none)
      ahead.start('c', 10, page('full', 3), none)
      expect(ahead.take('full', 'c')).toBeUndefined()
      vi.advanceTimersByTime(1001)
      expect(ahead.take('a', 'c')).toBeUndefined()
      // expired pages free their room
      ahead.start('c', 20, page('later', 4), none)
      expect(await ahead.take('later', 'c')).toEqual({ n: 4 })
    } finally {
      vi.useRealTimers()
    }
  })

  it('a failed read is no page: the request reads again', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    const failing = { key: 'k', read: () => Promise.reject(new Error('connection lost')) }
    ahead.start('c', 10, failing, () => page('after', 2))
    expect(await ahead.take('k', 'c')).toBeUndefined()
    await settle()
    expect(ahead.take('after', 'c')).toBeUndefined()
  })

  it('reads a walk of small pages two ahead, two pages a read, each page once', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    const { reads, step, following } = walk()
    ahead.start('c', 10, step(2), following)
    await settle()
    expect(reads).toEqual(['p2-p3'])
    // serving page 2 starts page 3, which is held: pages 4 and 5 are read once page 3 is
    expect(await ahead.take('p2', 'c')).toEqual({ n: 2 })
    ahead.start('c', 10, step(3), following)
    await settle()
    expect(reads).toEqual(['p2-p3', 'p4-p5'])
    // serving page 3 starts page 4, which is held, and page 5 after it is held too
    expect(await ahead.take('p3', 'c')).toEqual({ n: 3 })
    ahead.start('c', 10, step(4), following)
    await settle()
    expect(reads).toEqual(['p2-p3', 'p4-p5'])
    expect(await ahead.take('p4', 'c')).toEqual({ n: 4 })
    ahead.start('c', 10, step(5), following)
    await settle()
    expect(reads).toEqual(['p2-p3', 'p4-p5', 'p6-p7'])
    expect(await ahead.take('p5', 'c')).toEqual({ n: 5 })
    expect(await ahead.take('p6', 'c')).toEqual({ n: 6 })
    expect(await ahead.take('p7', 'c')).toEqual({ n: 7 })
  })

  it('reads a walk as deep as its items allow, a run of that many pages a read, each page once', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 40)
    const { reads, step, following } = walk()
    ahead.start('c', 10, step(2), following)
    await settle()
    expect(reads).toEqual(['p2-p5'])
    // serving page 2 starts pages 3 to 6: 6 is not held, and starts the next run
    expect(await ahead.take('p2', 'c')).toEqual({ n: 2 })
    ahead.start('c', 10, step(3), following)
    await settle()
    expect(reads).toEqual(['p2-p5', 'p6-p9'])
    for (const n of [3, 4, 5]) {
      expect(await ahead.take(`p${n}`, 'c')).toEqual({ n })
      ahead.start('c', 10, step(n + 1), following)
      await settle()
    }
    expect(reads).toEqual(['p2-p5', 'p6-p9'])
    expect(await ahead.take('p6', 'c')).toEqual({ n: 6 })
    ahead.start('c', 10, step(7), following)
    await settle()
    expect(reads).toEqual(['p2-p5', 'p6-p9', 'p10-p13'])
    for (const n of [7, 8, 9, 10]) expect(await ahead.take(`p${n}`, 'c')).toEqual({ n })
  })

  it('reads at most eight pages at a time, however small', async () => {
    const ahead = new ReadAhead<Page>(1000, 1000, 1000)
    const { reads, step, following } = walk()
    ahead.start('c', 10, step(2), following)
    await settle()
    expect(reads).toEqual(['p2-p9'])
  })

  it('a run that ends early holds the pages it read and reads nothing after the last', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    const { reads, step, following } = walk(2)
    ahead.start('c', 10, step(2), following)
    await settle()
    expect(reads).toEqual(['p2'])
    expect(await ahead.take('p2', 'c')).toEqual({ n: 2 })
    expect(ahead.take('p3', 'c')).toBeUndefined()
  })

  it('holds the rest of a run only while there is room for it', async () => {
    const ahead = new ReadAhead<Page>(25, 1000, 20)
    const { reads, step, following } = walk()
    ahead.start('c', 10, step(2), following)
    ahead.start('c', 10, page('other', 9), none)
    await settle()
    expect(reads).toEqual(['p2-p3'])
    expect(await ahead.take('p2', 'c')).toEqual({ n: 2 })
    expect(ahead.take('p3', 'c')).toBeUndefined()
  })

  it('reads one page ahead of a walk whose two pages would hold more than a walk may', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    const { reads, step, following } = walk()
    ahead.start('c', 11, step(2), following)
    await settle()
    expect(reads).toEqual(['p2'])
  })

  it('reads no page after one a write made stale', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    let finish!: (p: Page) => void
    const slow = {
      key: 'p2',
      read: () => new Promise<Page[]>((resolve) => (finish = (p) => resolve([p]))),
    }
    const { reads, following } = walk()
    ahead.start('c', 10, slow, following)
    ahead.invalidate('c')
    finish({ n: 2 })
    await settle()
    expect(reads).toEqual([])
    expect(ahead.take('p2', 'c')).toBeUndefined()
    expect(ahead.take('p3', 'c')).toBeUndefined()
  })

  it('holds no page of a run a write made stale while it was read', async () => {
    const ahead = new ReadAhead<Page>(100, 1000, 20)
    let finish!: () => void
    const { step, following } = walk()
    const run: PageRead<Page> = {
      key: 'p2',
      read: (pages) =>
        new Promise<readonly Page[]>(
          (resolve) => (finish = () => void step(2).read(pages).then(resolve)),
        ),
    }
    ahead.start('c', 10, run, following)
    ahead.invalidate('c')
    finish()
    await settle()
    expect(ahead.take('p2', 'c')).toBeUndefined()
    expect(ahead.take('p3', 'c')).toBeUndefined()
  })
})
