/**
 * STIX (S-024) and TAXII (T-011) timestamp handling, done on the text so that no precision is lost:
 * STIX timestamps may carry any number of fractional digits, JS Date only keeps milliseconds.
 */

const STIX_TIMESTAMP =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(?:\.(\d+))?Z$/

const RFC3339 =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(?:\.(\d{1,9}))?(?:[Zz]|([+ -])([01]\d|2[0-3]):([0-5]\d))$/

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (isLeapYear(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31

export function isStixTimestamp(s: string): boolean {
  const m = STIX_TIMESTAMP.exec(s)
  return m !== null && Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]))
}

const fraction = (s: string): string => /\.(\d+)Z$/.exec(s)?.[1] ?? ''

export const fractionDigits = (s: string): number => fraction(s).length

// Stripping trailing zeros makes equal instants share one key; padding to a common minimum keeps
// the keys uniform, and a prefix then sorts first, so string order is instant order (T-120).
export const versionKey = (s: string): string =>
  `${s.slice(0, 19)}.${fraction(s).replace(/0+$/, '').padEnd(9, '0')}`

export const toTaxiiTimestamp = (s: string): string =>
  `${s.slice(0, 19)}.${fraction(s).padEnd(6, '0').slice(0, 6)}Z`

/**
 * Lenient `added_after` (T-102). Flooring to µs is exact because stored `date_added` values have
 * µs precision: d > T iff d > floor_µs(T).
 */
export function parseAddedAfter(raw: string): string | undefined {
  const m = RFC3339.exec(raw)
  if (m === null) return undefined
  const n = (i: number): number => Number(m[i] ?? 0)
  if (n(3) > daysInMonth(n(1), n(2))) return undefined
  // No leap seconds in Date or stored values: the last µs of the minute keeps `d > T` exact.
  const leap = n(6) === 60
  const frac = leap ? '999999' : (m[7] ?? '').padEnd(6, '0').slice(0, 6)
  // Only whole seconds go through Date; offsets are whole minutes, so the fraction is unchanged.
  const date = new Date(0)
  date.setUTCFullYear(n(1), n(2) - 1, n(3))
  date.setUTCHours(n(4), n(5), leap ? 59 : n(6), 0)
  const sign = m[8] === '-' ? -1 : 1 // a `+` that was not percent-encoded arrives as a space
  const iso = new Date(date.getTime() - sign * (n(9) * 60 + n(10)) * 60_000).toISOString()
  // Offsets can push the instant outside years 0001–9999, which a TAXII timestamp cannot express;
  // year 0000 (1 BC) is RFC 3339 but not a PostgreSQL timestamptz literal.
  if (!/^\d{4}-/.test(iso) || iso.startsWith('0000-')) return undefined
  return `${iso.slice(0, 19)}.${frac}Z`
}
