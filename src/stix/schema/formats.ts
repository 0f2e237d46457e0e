/**
 * Value formats the schemas name with `format` because a regular expression would be unwieldy or
 * could not check them (calendar days, IPv6 compression).
 */
import { isIPv6 } from 'node:net'

const TIMESTAMP =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?Z$/

const digits = (s: string, from: number, to: number): number => {
  let n = 0
  for (let i = from; i < to; i++) n = n * 10 + s.charCodeAt(i) - 48
  return n
}

/**
 * STIX timestamp (S-024): the same rule as `isStixTimestamp` of ../timestamps.ts, written for the
 * validation hot path (no captures, the calendar looked at only for days 29–31).
 */
export function isTimestamp(s: string): boolean {
  if (!TIMESTAMP.test(s)) return false
  const day = digits(s, 8, 10)
  if (day <= 28) return true
  const month = digits(s, 5, 7)
  if (month !== 2) return day <= 30 || !(month === 4 || month === 6 || month === 9 || month === 11)
  const year = digits(s, 0, 4)
  return day === 29 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)
}

/**
 * Orders two valid STIX timestamps by instant (negative, 0, positive), at full precision and
 * without allocating: trailing zeros of the fraction do not matter.
 */
export function compareTimestamps(a: string, b: string): number {
  if (a === b) return 0
  for (let i = 0; i < 19; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i)
    if (d !== 0) return d
  }
  // fractions start at 20 when present; the final Z is at length - 1
  const fa = a.length > 20 ? a.length - 1 : 20
  const fb = b.length > 20 ? b.length - 1 : 20
  for (let i = 20; i < fa || i < fb; i++) {
    const da = i < fa ? a.charCodeAt(i) : 48
    const db = i < fb ? b.charCodeAt(i) : 48
    if (da !== db) return da - db
  }
  return 0
}

const IPV4 =
  /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\/(?:3[0-2]|[12]?[0-9]))?$/

/** one IPv4 address or CIDR block; `/32` may be omitted (S-107) */
export const isIpv4OrCidr = (s: string): boolean => IPV4.test(s)

/** one IPv6 address or CIDR block; `/128` may be omitted, no zone index (S-108) */
export function isIpv6OrCidr(s: string): boolean {
  const slash = s.indexOf('/')
  const address = slash < 0 ? s : s.slice(0, slash)
  if (slash >= 0 && !/^(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])$/.test(s.slice(slash + 1))) return false
  return !address.includes('%') && isIPv6(address)
}

export const FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  'stix-timestamp': isTimestamp,
  'ipv4-cidr': isIpv4OrCidr,
  'ipv6-cidr': isIpv6OrCidr,
}
