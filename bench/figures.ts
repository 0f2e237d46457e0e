/** Small arithmetic shared by the bench's phases. */

export const now = () => performance.now()

export const round = (x: number, digits = 0) => Number(x.toFixed(digits))

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )

/** The item whose `key` is the median, as `median` takes it: of an even number, the lower middle. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) throw new RangeError('the median of nothing')
  const sorted = [...items].sort((a, b) => key(a) - key(b))
  return sorted[Math.ceil(sorted.length / 2) - 1]!
}
