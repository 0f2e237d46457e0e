import type { FastifyRequest } from 'fastify'
import { credentialFrom } from '../../auth/credentials.js'
import { clientCertificateProblem } from '../../auth/client-certificates.js'
import { InvalidTokenError, verifyToken, type Principal } from '../../auth/tokens.js'
import { TaxiiError } from '../../errors.js'
import type { Deps } from '../../services/deps.js'

function challenge(deps: Deps, invalid: boolean): string {
  const bearer = invalid ? 'Bearer realm="taxii", error="invalid_token"' : 'Bearer realm="taxii"'
  return deps.config.basicAuth ? `${bearer}, Basic realm="taxii"` : bearer
}

function unauthorized(deps: Deps, description: string, invalid: boolean): TaxiiError {
  return new TaxiiError('TAXII_ERR_UNAUTHORIZED', 'Authentication required', {
    description,
    headers: { 'www-authenticate': challenge(deps, invalid) },
  })
}

/** Resolves the caller from the Authorization header, or throws 401 with a challenge (T-036). */
export async function authenticate(deps: Deps, request: FastifyRequest): Promise<Principal> {
  const credential = credentialFrom(request.headers.authorization, deps.config.basicAuth)
  if (credential.kind === 'none') {
    throw unauthorized(deps, 'send a hub token as Bearer, Token or HTTP Basic credentials', false)
  }
  if (credential.kind === 'invalid') throw unauthorized(deps, credential.reason, true)
  let principal: Principal
  try {
    principal = await verifyToken(deps.keys, credential.token)
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthorized(deps, err.message, true)
    throw err
  }
  if (principal.certThumbprint !== undefined) {
    const problem = clientCertificateProblem(request.raw.socket, principal.certThumbprint)
    if (problem !== undefined) throw unauthorized(deps, problem, true)
  }
  return principal
}
