/** TAXII timestamp text helpers: exact to the microsecond, never through a lossy JS Date. */

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for binary timestamps, in Unix milliseconds */
export const PG_EPOCH_MS = 946_684_800_000

/**
 * A TAXII timestamp from a timestamptz in PostgreSQL's binary form: microseconds since
 * 2000-01-01 UTC, read from COPY binary output.
 */
export function taxiiOfPgMicroseconds(us: bigint): string {
  let ms = us / 1000n
  let rest = us % 1000n
  if (rest < 0n) {
    ms -= 1n
    rest += 1000n
  }
  const iso = new Date(Number(ms) + PG_EPOCH_MS).toISOString()
  return `${iso.slice(0, 23)}${String(rest).padStart(3, '0')}Z`
}

/**
 * `ts` (a TAXII timestamp) plus n microseconds, exactly: JS Date alone would drop the last three
 * digits.
 */
export function addMicroseconds(ts: string, n: number): string {
  const ms = Date.parse(ts.slice(0, 23) + 'Z')
  const us = BigInt(ms) * 1000n + BigInt(ts.slice(23, 26)) + BigInt(n)
  const whole = new Date(Number(us / 1000n)).toISOString().slice(0, 23)
  return `${whole}${String(us % 1000n).padStart(3, '0')}Z`
}

/**
 * Microseconds since the Unix epoch of a TAXII timestamp with six fractional digits, as a plain
 * number: exact until the year 2255 (2^53).
 */
export const unixMicroseconds = (ts: string): number =>
  Date.parse(`${ts.slice(0, 23)}Z`) * 1000 + Number(ts.slice(23, 26))

/**
 * Microseconds between two records a post stamps in a collection, and at least between the last
 * stamp of one post and the first of the next (T-134). So no millisecond holds more than 50
 * stamped records, and a client that cuts X-TAXII-Date-Added-Last to milliseconds and pages by
 * `added_after` with a `limit` above 50 re-reads at most 50 records a page but always moves on;
 * with records 1 µs apart, the 1,000 objects of one post shared a millisecond, and such a client
 * asking for 100 at a time was sent the same page forever. A collection can take 50,000 stamped
 * records a second before its stamps run ahead of the clock.
 */
export const STAMP_SPACING_US = 20

/** Epoch microseconds of the i-th stamp of a post whose first is at `start`. */
export const nthStamp = (start: number, i: number): number => start + STAMP_SPACING_US * i

/**
 * addMicroseconds(base, STAMP_SPACING_US * i) for i = 0..n-1, as an envelope's date_added stamps.
 * Epoch microseconds stay below 2^53 until the year 2255, so plain numbers are exact, and the
 * millisecond part is formatted once per millisecond: BigInt and a Date per object were 15% of
 * the hub's ingest CPU.
 */
export function consecutiveStamps(base: string, n: number): string[] {
  const start = unixMicroseconds(base)
  const stamps = new Array<string>(n)
  let ms = NaN
  let prefix = ''
  for (let i = 0; i < n; i++) {
    const us = nthStamp(start, i)
    const m = Math.floor(us / 1000)
    if (m !== ms) {
      ms = m
      prefix = new Date(m).toISOString().slice(0, 23)
    }
    stamps[i] = `${prefix}${String(us - m * 1000).padStart(3, '0')}Z`
  }
  return stamps
}
