import { readFileSync } from 'node:fs'
import type { ClientCertificate, Credentials } from '../client/index.js'
import type { CredentialRefs } from '../storage/feed-store.js'

export class CredentialError extends Error {
  override name = 'CredentialError'
}

export interface CredentialOptions {
  tokenEnv?: string
  tokenFile?: string
  username?: string
  usernameEnv?: string
  passwordEnv?: string
  passwordFile?: string
  clientCert?: string
  clientKey?: string
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The references `feeds add` stores, checked for shape; the secrets are not read here. */
export function credentialRefs(o: CredentialOptions): CredentialRefs {
  if ((o.clientCert === undefined) !== (o.clientKey === undefined)) {
    throw new CredentialError('a client certificate goes with its key: give both or neither')
  }
  const certificate =
    o.clientCert === undefined || o.clientKey === undefined
      ? {}
      : { client_cert_file: o.clientCert, client_key_file: o.clientKey }
  return { ...authRefs(o), ...certificate }
}

function authRefs(o: CredentialOptions): CredentialRefs {
  for (const name of [o.tokenEnv, o.usernameEnv, o.passwordEnv]) {
    if (name !== undefined && !ENV_NAME.test(name)) {
      throw new CredentialError(`"${name}" is not an environment variable name`)
    }
  }
  const token = o.tokenEnv !== undefined || o.tokenFile !== undefined
  const basic =
    o.username !== undefined ||
    o.usernameEnv !== undefined ||
    o.passwordEnv !== undefined ||
    o.passwordFile !== undefined
  if (token && basic) throw new CredentialError('give either a token or a username and password')
  if (o.tokenEnv !== undefined && o.tokenFile !== undefined) {
    throw new CredentialError('give the token by environment variable or by file, not both')
  }
  if (o.passwordEnv !== undefined && o.passwordFile !== undefined) {
    throw new CredentialError('give the password by environment variable or by file, not both')
  }
  if (token) {
    return {
      kind: 'bearer',
      ...(o.tokenEnv !== undefined && { token_env: o.tokenEnv }),
      ...(o.tokenFile !== undefined && { token_file: o.tokenFile }),
    }
  }
  if (basic) {
    if (o.username === undefined && o.usernameEnv === undefined) {
      throw new CredentialError('Basic credentials need --username or --username-env')
    }
    if (o.passwordEnv === undefined && o.passwordFile === undefined) {
      throw new CredentialError('Basic credentials need --password-env or --password-file')
    }
    return {
      kind: 'basic',
      ...(o.username !== undefined && { username: o.username }),
      ...(o.usernameEnv !== undefined && { username_env: o.usernameEnv }),
      ...(o.passwordEnv !== undefined && { password_env: o.passwordEnv }),
      ...(o.passwordFile !== undefined && { password_file: o.passwordFile }),
    }
  }
  return { kind: 'none' }
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]
  if (value === undefined || value === '') {
    throw new CredentialError(`${what}: environment variable ${name} is not set`)
  }
  return value
}

function fromFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
  } catch (err) {
    throw new CredentialError(`${what}: cannot read ${path}: ${(err as Error).message}`)
  }
}

/** Reads the secrets a feed refers to, in the environment of the process that runs the pull. */
export function resolveCredentials(
  refs: CredentialRefs,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const auth = resolveAuth(refs, env)
  if (refs.client_cert_file === undefined || refs.client_key_file === undefined) return auth
  return { ...auth, certificate: clientCertificate(refs.client_cert_file, refs.client_key_file) }
}

/** Reads a client certificate and its key from PEM files. */
export function clientCertificate(certFile: string, keyFile: string): ClientCertificate {
  return {
    cert: fromFile(certFile, 'client certificate'),
    key: fromFile(keyFile, 'client key'),
  }
}

function resolveAuth(refs: CredentialRefs, env: NodeJS.ProcessEnv): Credentials {
  switch (refs.kind) {
    case 'none':
      return { kind: 'none' }
    case 'bearer':
      return {
        kind: 'bearer',
        token:
          refs.token_env !== undefined
            ? fromEnv(env, refs.token_env, 'token')
            : fromFile(refs.token_file!, 'token'),
      }
    case 'basic':
      return {
        kind: 'basic',
        username:
          refs.username ??
          (refs.username_env !== undefined ? fromEnv(env, refs.username_env, 'username') : ''),
        password:
          refs.password_env !== undefined
            ? fromEnv(env, refs.password_env, 'password')
            : fromFile(refs.password_file!, 'password'),
      }
  }
}

/** How `feeds list` shows where a feed's credentials come from. */
export function describeRefs(refs: CredentialRefs): string {
  const auth = describeAuth(refs)
  return refs.client_cert_file === undefined
    ? auth
    : `${auth}, client certificate ${refs.client_cert_file}`
}

function describeAuth(refs: CredentialRefs): string {
  switch (refs.kind) {
    case 'none':
      return 'none'
    case 'bearer':
      return refs.token_env !== undefined
        ? `token from $${refs.token_env}`
        : `token from ${refs.token_file}`
    case 'basic': {
      const user = refs.username ?? `$${refs.username_env}`
      const pass =
        refs.password_env !== undefined ? `$${refs.password_env}` : (refs.password_file ?? '')
      return `basic ${user} / ${pass}`
    }
  }
}
