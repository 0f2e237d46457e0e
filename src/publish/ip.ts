import ipaddr from 'ipaddr.js'
import { RowError } from './row-error.js'

export interface NormalisedAddress {
  type: 'ipv4-addr' | 'ipv6-addr'
  /** canonical network form: host bits zero, RFC 5952 IPv6, no /32 or /128 (G-021) */
  value: string
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text)
  // zone ids (fe80::1%eth0) name an interface of one host, nothing to share
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text)
  throw new RowError('not an IPv4 address (four decimal parts) or IPv6 address')
}

/**
 * An address or CIDR block in the canonical form of G-021, IPv4 or IPv6 as it turns out
 * (`expected` refuses the other). IPv4-mapped IPv6 addresses are the IPv4 addresses they carry.
 */
export function normaliseIp(input: string, expected?: 'ipv4' | 'ipv6'): NormalisedAddress {
  const [text = '', prefixText, extra] = input.trim().split('/')
  if (extra !== undefined) throw new RowError('an address has at most one /prefix')
  let address = parseAddress(text)
  let prefix: number | undefined
  if (prefixText !== undefined) {
    if (!/^[0-9]{1,3}$/.test(prefixText)) throw new RowError('the prefix length is not a number')
    prefix = Number(prefixText)
  }
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) {
    if (prefix !== undefined && prefix < 96) {
      throw new RowError('an IPv4-mapped IPv6 block needs a prefix of at least 96')
    }
    address = address.toIPv4Address()
    if (prefix !== undefined) prefix -= 96
  }
  const v4 = address.kind() === 'ipv4'
  if (expected !== undefined && address.kind() !== expected) {
    throw new RowError(`not an ${expected === 'ipv4' ? 'IPv4' : 'IPv6'} address`)
  }
  const bits = v4 ? 32 : 128
  if (prefix !== undefined && prefix > bits) {
    throw new RowError(`the prefix length must be at most ${bits}`)
  }
  const type = v4 ? 'ipv4-addr' : 'ipv6-addr'
  if (prefix === undefined || prefix === bits) {
    return { type, value: v4 ? address.toString() : (address as ipaddr.IPv6).toRFC5952String() }
  }
  const cidr = `${address.toString()}/${prefix}`
  const network = v4
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(cidr).toRFC5952String()
  return { type, value: `${network}/${prefix}` }
}
