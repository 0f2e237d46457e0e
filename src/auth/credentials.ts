/**
 * Finds the hub token in an Authorization header. The credential is always a JWT, carried as
 * Bearer, as Token (the OASIS Python client's token mode), or in HTTP Basic as the password
 * (any username) or as the username with an empty password, because SIEM connectors such as
 * Microsoft Sentinel's can send only Basic (T-038).
 */
export type Credential =
  { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'invalid'; reason: string }

export function credentialFrom(header: string | undefined, allowBasic: boolean): Credential {
  if (header === undefined || header.trim() === '') return { kind: 'none' }
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(header)
  if (match === null) return { kind: 'invalid', reason: 'malformed Authorization header' }
  const scheme = match[1]!.toLowerCase()
  const value = match[2]!
  if (scheme === 'bearer' || scheme === 'token') return { kind: 'token', token: value }
  if (scheme !== 'basic') return { kind: 'invalid', reason: `unsupported scheme "${match[1]}"` }
  if (!allowBasic) return { kind: 'invalid', reason: 'Basic authentication is disabled' }
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return { kind: 'invalid', reason: 'malformed Basic credentials' }
  const user = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  const token = password !== '' ? password : user
  if (token === '') return { kind: 'invalid', reason: 'empty Basic credentials' }
  return { kind: 'token', token }
}
