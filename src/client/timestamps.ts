import { parseAddedAfter } from '../stix/timestamps.js'

/**
 * The TAXII timestamp one microsecond before `ts`, computed on the text (JS `Date` keeps only
 * milliseconds). A pull that resumes from a saved `X-TAXII-Date-Added-Last` asks for
 * `added_after` = that value − 1 µs, so records sharing that `date_added` are read again rather
 * than skipped when a page boundary split them (T-208).
 *
 * Accepts what servers send in the date headers: RFC 3339 with 0 to 9 fractional digits and `Z`
 * or a numeric offset; more than 6 digits are floored to the microsecond first. The result always
 * has 6 digits and `Z`. Throws `TypeError` for anything else.
 *
 * @see TAXII 2.1 §3.4 (added_after is strict), T-103, T-208
 * @example
 * timestampMinusMicrosecond('2025-01-01T00:00:00.123Z') // '2025-01-01T00:00:00.122999Z'
 * timestampMinusMicrosecond('2025-01-01T00:00:00Z') // '2024-12-31T23:59:59.999999Z'
 */
export function timestampMinusMicrosecond(ts: string): string {
  const taxii = parseAddedAfter(ts)
  if (taxii === undefined) throw new TypeError(`not an RFC 3339 timestamp: ${JSON.stringify(ts)}`)
  const micros = Number(taxii.slice(20, 26))
  if (micros > 0) return `${taxii.slice(0, 20)}${String(micros - 1).padStart(6, '0')}Z`
  // Whole seconds are exact in Date, and it carries the borrow through minutes, days and years.
  const date = new Date(0)
  date.setUTCFullYear(
    Number(taxii.slice(0, 4)),
    Number(taxii.slice(5, 7)) - 1,
    Number(taxii.slice(8, 10)),
  )
  date.setUTCHours(
    Number(taxii.slice(11, 13)),
    Number(taxii.slice(14, 16)),
    Number(taxii.slice(17, 19)) - 1,
  )
  const iso = date.toISOString()
  if (!/^\d{4}-/.test(iso)) throw new TypeError(`no TAXII timestamp precedes ${ts}`)
  return `${iso.slice(0, 19)}.999999Z`
}
