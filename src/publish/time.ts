import { RowError } from './row-error.js'

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/
const DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$/

/**
 * A date (`2025-07-14`, midnight UTC) or an RFC 3339 date-time with its offset, as a STIX
 * timestamp in UTC with millisecond precision (what `created`/`modified` need, S-044, S-045).
 */
export function parseTimestamp(input: string, field: string): string {
  const text = input.replace(/^(\S+) /, '$1T').toUpperCase()
  const m = DATE.exec(text) ?? DATE_TIME.exec(text)
  const date = m === null ? undefined : new Date(DATE.test(text) ? `${text}T00:00:00Z` : text)
  // the calendar check: 2025-02-30 would roll over into March
  const sameDay =
    m !== null &&
    date !== undefined &&
    !Number.isNaN(date.getTime()) &&
    Number(m[2]) >= 1 &&
    Number(m[2]) <= 12 &&
    Number(m[3]) <= new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate()
  if (!sameDay || date === undefined) {
    throw new RowError(`${field} must be a date (2025-07-14) or an RFC 3339 date-time`)
  }
  return date.toISOString()
}

export const addDays = (timestamp: string, days: number): string =>
  new Date(Date.parse(timestamp) + days * 86_400_000).toISOString()

/** The start of the UTC day `now` falls in. */
export function startOfUtcDay(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString()
}
