import { randomUUID } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import type { HubKeys } from './keys.js'

export const RIGHTS = ['read', 'write', 'admin'] as const
export type Right = (typeof RIGHTS)[number]

/**
 * Who is calling and what their token allows. Scope references are `*`, `<api-root>/<id-or-alias>`
 * or a bare collection id; they are matched on every request, so `*` also covers collections
 * created after the token was issued (T-042).
 */
export interface Principal {
  sub: string
  jti: string | undefined
  scopes: Record<Right, string[]>
  identities: string[]
  /** set: the token holds only over a connection presenting this certificate (T-005) */
  certThumbprint?: string
}

export interface TokenRequest {
  sub: string
  read?: string[]
  write?: string[]
  admin?: string[]
  identities?: string[]
  /** binds the token to the client certificate of this thumbprint (client-certificates.ts) */
  certThumbprint?: string
  ttlSeconds: number
}

const ALGORITHMS = ['HS256']
const CLOCK_TOLERANCE_SECONDS = 60
const SCOPE_REF = /^(\*|[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?)$/

export function scopeString(req: Pick<TokenRequest, Right>): string {
  const parts: string[] = []
  for (const right of RIGHTS) {
    for (const ref of req[right] ?? []) {
      if (!SCOPE_REF.test(ref)) throw new TypeError(`invalid collection reference "${ref}"`)
      parts.push(`${right}:${ref}`)
    }
  }
  return parts.join(' ')
}

export async function issueToken(keys: HubKeys, req: TokenRequest): Promise<string> {
  const claims: Record<string, unknown> = { scope: scopeString(req) }
  if (req.identities !== undefined && req.identities.length > 0) {
    claims.identities = req.identities
  }
  if (req.certThumbprint !== undefined) claims.cnf = { 'x5t#S256': req.certThumbprint }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(keys.issuer)
    .setAudience(keys.issuer)
    .setSubject(req.sub)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + req.ttlSeconds)
    .sign(keys.jwtSecret)
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError'
}

const VERIFIED_CACHE_SIZE = 10_000
const VERIFIED_CACHE_SECONDS = 60
type Remembered = Map<string, { principal: Principal; until: number }>
const verified = new WeakMap<HubKeys, Remembered>()

/**
 * Verifies a hub token (T-041); any failure is an InvalidTokenError with a safe message. Pollers
 * send the same token every few seconds, so a verified token is remembered for a minute (never
 * past its `exp`): the same string carries the same signature and claims.
 */
export async function verifyToken(keys: HubKeys, token: string): Promise<Principal> {
  let cache = verified.get(keys)
  if (cache === undefined) verified.set(keys, (cache = new Map() as Remembered))
  const now = Date.now() / 1000
  const hit = cache.get(token)
  if (hit !== undefined && hit.until > now) return hit.principal
  const { principal, exp } = await verifyUncached(keys, token)
  if (cache.size >= VERIFIED_CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(token, { principal, until: Math.min(exp, now + VERIFIED_CACHE_SECONDS) })
  return principal
}

async function verifyUncached(
  keys: HubKeys,
  token: string,
): Promise<{ principal: Principal; exp: number }> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, keys.jwtSecret, {
      algorithms: ALGORITHMS,
      issuer: keys.issuer,
      audience: keys.issuer,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
    }))
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new InvalidTokenError('the token has expired')
    if (err instanceof errors.JWTClaimValidationFailed) {
      throw new InvalidTokenError(`the token's "${err.claim}" claim is not valid here`)
    }
    throw new InvalidTokenError('the token is not a valid hub token')
  }
  const scopes: Record<Right, string[]> = { read: [], write: [], admin: [] }
  const scope = typeof payload.scope === 'string' ? payload.scope : ''
  for (const item of scope.split(' ')) {
    const colon = item.indexOf(':')
    const right = item.slice(0, colon) as Right
    if (colon > 0 && RIGHTS.includes(right)) scopes[right].push(item.slice(colon + 1))
  }
  const identities = Array.isArray(payload.identities)
    ? payload.identities.filter((i): i is string => typeof i === 'string')
    : []
  let certThumbprint: string | undefined
  if (payload.cnf !== undefined) {
    // a confirmation the hub cannot check must not be ignored (RFC 7800 §3)
    const thumbprint = (payload.cnf as Record<string, unknown> | null)?.['x5t#S256']
    if (typeof thumbprint !== 'string') {
      throw new InvalidTokenError('the token\'s "cnf" claim is not valid here')
    }
    certThumbprint = thumbprint
  }
  return {
    principal: {
      sub: payload.sub!,
      jti: payload.jti,
      scopes,
      identities,
      ...(certThumbprint !== undefined && { certThumbprint }),
    },
    exp: payload.exp!,
  }
}

export interface ScopeRights {
  visible: boolean
  read: boolean
  write: boolean
}

/**
 * `token issue` writes `<api-root>/<id>` (operations.ts). An alias matches only with its API root
 * named, since aliases are unique only within one (T-096); a bare reference matches an id only.
 */
function refMatches(ref: string, apiRoot: string, id: string, alias: string | null): boolean {
  if (ref === '*') return true
  const slash = ref.indexOf('/')
  if (slash < 0) return ref === id
  if (ref.slice(0, slash) !== apiRoot) return false
  ref = ref.slice(slash + 1)
  return ref === id || (alias !== null && ref === alias)
}

/** What the token alone allows on one collection, before the collection's policy. */
export function scopeRights(
  p: Principal,
  apiRoot: string,
  collection: { id: string; alias: string | null },
): ScopeRights {
  const has = (right: Right) =>
    p.scopes[right].some((ref) => refMatches(ref, apiRoot, collection.id, collection.alias))
  const admin = has('admin')
  const read = admin || has('read')
  const write = admin || has('write')
  return { visible: read || write, read, write }
}
