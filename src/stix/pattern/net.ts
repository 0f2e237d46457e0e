/**
 * IP address / CIDR syntax for ISSUBSET and ISSUPERSET operands (S-184, S-107, S-108): one
 * address, or an address with a prefix length (`/0`–`/32`, `/0`–`/128`). IPv4 octets are decimal
 * 0–255 without leading zeros (which some parsers read as octal); IPv6 is RFC 4291 text (groups of
 * 1–4 hex digits, at most one `::`, optionally ending in a dotted IPv4 address), no zone index.
 */

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const PREFIX = /^(0|[1-9]\d{0,2})$/
const GROUP = /^[0-9A-Fa-f]{1,4}$/

function isIpv4Address(s: string): boolean {
  const m = V4.exec(s)
  if (m === null) return false
  for (let k = 1; k <= 4; k++) {
    const part = m[k] as string
    if ((part.length > 1 && part.startsWith('0')) || Number(part) > 255) return false
  }
  return true
}

function isIpv6Address(s: string): boolean {
  let groups = 0
  let text = s
  const lastColon = text.lastIndexOf(':')
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    if (!isIpv4Address(text.slice(lastColon + 1))) return false
    text = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = text.split('::')
  if (halves.length > 2) return false
  for (const half of halves) {
    if (half === '') continue
    for (const g of half.split(':')) {
      if (!GROUP.test(g)) return false
      groups++
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8
}

function split(s: string, max: number): string | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return s
  const prefix = s.slice(slash + 1)
  if (!PREFIX.test(prefix) || Number(prefix) > max) return undefined
  return s.slice(0, slash)
}

export function isIpv4Cidr(s: string): boolean {
  const a = split(s, 32)
  return a !== undefined && isIpv4Address(a)
}

export function isIpv6Cidr(s: string): boolean {
  const a = split(s, 128)
  return a !== undefined && isIpv6Address(a)
}
