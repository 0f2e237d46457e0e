const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/i

/**
 * A partner's timestamp with its fraction padded to microseconds, so that ones sent with 0, 3 or
 * 6 digits compare as text; undefined when it is not a UTC RFC 3339 timestamp.
 */
export function microsecondKey(ts: string): string | undefined {
  const m = TIMESTAMP.exec(ts)
  if (m === null) return undefined
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`
}

/** The later of two partner timestamps (either may be missing); unreadable ones lose. */
export function laterTimestamp(a: string | null, b: string): string {
  if (a === null) return b
  const ka = microsecondKey(a)
  const kb = microsecondKey(b)
  if (kb === undefined) return a
  if (ka === undefined) return b
  return kb > ka ? b : a
}

/** Seconds from `from` to `to`, at millisecond precision (enough for a lag figure). */
export function secondsBetween(from: string, to: string): number | undefined {
  const a = Date.parse(from)
  const b = Date.parse(to)
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined
  return Math.max(0, (b - a) / 1000)
}
