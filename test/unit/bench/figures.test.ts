import { describe, expect, it } from 'vitest'
import { median, medianBy } from '../../../bench/figures.js'

describe('bench figures', () => {
  const walk = (name: string, ratio: number) => ({ name, ratio })

  it('judges the walk of median ratio, whatever order the walks ran in', () => {
    const walks = [walk('a', 0.47), walk('b', 0.65), walk('c', 0.55)]
    expect(medianBy(walks, (w) => w.ratio).name).toBe('c')
    expect(medianBy([...walks].reverse(), (w) => w.ratio).name).toBe('c')
  })

  it('takes the lower middle of an even number, as median does', () => {
    const ratios = [0.7, 0.4, 0.6, 0.5]
    const walks = ratios.map((r, i) => walk(String(i), r))
    expect(medianBy(walks, (w) => w.ratio).ratio).toBe(0.5)
    expect(median(ratios)).toBe(0.5)
  })

  it('judges a single walk as it is, and refuses none', () => {
    expect(medianBy([walk('only', 0.3)], (w) => w.ratio).name).toBe('only')
    expect(() => medianBy([], (w: { ratio: number }) => w.ratio)).toThrow(RangeError)
  })
})
