import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { parseDuration } from './duration.js'

/** Where the hub keeps its data: a PostgreSQL server, or embedded PGlite in a directory. */
export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  | {
      kind: 'pglite'
      /** a directory, or 'memory' */
      dataDir: string
      /**
       * What an in-memory database starts as, a data directory dumped by PGlite (dumpDataDir),
       * instead of an empty one from initdb, which costs ~4 s of CPU (the test suite starts
       * hundreds of them)
       */
      loadDataDir?: Blob
    }

/** PEM files of the certificate (chain) and private key the hub serves HTTPS with. */
export interface TlsFiles {
  readonly certFile: string
  readonly keyFile: string
  /** CA certificates that issue partners' client certificates (T-005); unset asks for none */
  readonly clientCaFile: string | undefined
}

export interface Config {
  readonly host: string
  readonly port: number
  readonly publicUrl: string
  /** true when HYDRAWATCH_PUBLIC_URL was not given: the URL follows the bound address */
  readonly publicUrlDerived: boolean
  readonly dataDir: string
  readonly database: DatabaseConfig
  /** set: the hub serves HTTPS itself; unset: plain HTTP, for loopback or behind a TLS proxy */
  readonly tls: TlsFiles | undefined
  readonly maxPageSize: number
  readonly maxContentLength: number
  readonly maxEnvelopeObjects: number
  /** envelopes with more objects are answered `pending` and stored in the background (T-170) */
  readonly syncEnvelopeObjects: number
  readonly basicAuth: boolean
  /** responses are compressed for clients that accept gzip or deflate */
  readonly compression: boolean
  /** object versions added longer ago are removed (T-017); undefined keeps every version */
  readonly retentionSeconds: number | undefined
  readonly title: string
  readonly description: string | undefined
  readonly contact: string | undefined
  /** API roots hosted elsewhere that discovery lists after the hub's own (T-070) */
  readonly advertisedApiRoots: readonly string[]
  readonly logLevel: string
}

/** Every variable the hub reads, with its default; README and .env.example list the same. */
export const ENV_VARS = {
  HYDRAWATCH_HOST: '127.0.0.1',
  HYDRAWATCH_PORT: '8080',
  HYDRAWATCH_PUBLIC_URL: 'http(s)://<host>:<port>',
  HYDRAWATCH_TLS_CERT: '(unset: plain HTTP)',
  HYDRAWATCH_TLS_KEY: '(unset: plain HTTP)',
  HYDRAWATCH_TLS_CLIENT_CA: '(unset: no client certificates)',
  HYDRAWATCH_DATA_DIR: './data',
  DATABASE_URL: '(unset: embedded PGlite in the data directory)',
  HYDRAWATCH_MAX_PAGE_SIZE: '1000',
  HYDRAWATCH_MAX_CONTENT_LENGTH: '10485760',
  HYDRAWATCH_MAX_ENVELOPE_OBJECTS: '10000',
  HYDRAWATCH_SYNC_ENVELOPE_OBJECTS: '2000',
  HYDRAWATCH_BASIC_AUTH: 'true',
  HYDRAWATCH_COMPRESSION: 'true',
  HYDRAWATCH_RETENTION: '(unset: keep every version)',
  HYDRAWATCH_TITLE: 'hydrawatch',
  HYDRAWATCH_DESCRIPTION: '(unset)',
  HYDRAWATCH_CONTACT: '(unset)',
  HYDRAWATCH_ADVERTISED_API_ROOTS: '(unset)',
  HYDRAWATCH_LOG_LEVEL: 'info',
} as const

export type ConfigOverrides = Partial<{
  host: string
  port: number
  publicUrl: string
  tlsCert: string
  tlsKey: string
  tlsClientCa: string
  dataDir: string
  databaseUrl: string
  maxPageSize: number
  retention: string
  logLevel: string
}>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}`)
  return n
}

function duration(name: string, raw: string): number {
  try {
    return parseDuration(raw)
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`)
  }
}

function boolean(name: string, raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

/** Bounds of a body size limit: room for a small envelope, and what a Buffer length can hold. */
export const CONTENT_LENGTH_RANGE = { min: 1024, max: 2 ** 31 - 1 } as const

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`)

/** An IP address or a DNS name; all-digit dotted names such as 999.1.1.1 are bad addresses. */
function hostName(raw: string): string {
  if (isIP(raw) !== 0 || (HOST_NAME.test(raw) && !/^[\d.]+$/.test(raw))) return raw
  throw new ConfigError(`HYDRAWATCH_HOST: "${raw}" is neither an IP address nor a host name`)
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function logLevel(raw: string): string {
  if (LOG_LEVELS.includes(raw)) return raw
  throw new ConfigError(`HYDRAWATCH_LOG_LEVEL: "${raw}" is not one of ${LOG_LEVELS.join(', ')}`)
}

/**
 * `raw` as an absolute URL of one of `protocols`, without query or fragment, not even an empty
 * one (`new URL` reports a bare `?` or `#` as no search or hash, but keeps it in `href`).
 */
function plainUrl(name: string, raw: string, protocols: readonly string[]): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(`${name}: "${raw}" is not an absolute URL`)
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name}: "${raw}" is not ${protocols.join(' or ').replace(/:/g, '')}`)
  }
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(`${name}: "${raw}" has a query or fragment`)
  }
  return url
}

function baseUrl(name: string, raw: string): string {
  return plainUrl(name, raw, ['http:', 'https:']).href.replace(/\/+$/, '')
}

/**
 * API roots hosted elsewhere, separated by commas or white space: each an absolute https URL
 * without query or fragment (T-069), ending in `/` as API root URLs do.
 */
function apiRootUrls(name: string, raw: string): string[] {
  return raw
    .split(/[\s,]+/)
    .filter((u) => u !== '')
    .map((u) => {
      const { href } = plainUrl(name, u, ['https:'])
      return href.endsWith('/') ? href : `${href}/`
    })
}

/** The only reader of process.env: environment, then CLI overrides, validated and frozen. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConfigOverrides = {},
): Config {
  const get = (name: keyof typeof ENV_VARS): string | undefined => {
    const v = env[name]
    return v === undefined || v === '' ? undefined : v
  }
  const host = hostName(overrides.host ?? get('HYDRAWATCH_HOST') ?? '127.0.0.1')
  const port =
    overrides.port ?? integer('HYDRAWATCH_PORT', get('HYDRAWATCH_PORT') ?? '8080', 0, 65535)
  const certFile = overrides.tlsCert ?? get('HYDRAWATCH_TLS_CERT')
  const keyFile = overrides.tlsKey ?? get('HYDRAWATCH_TLS_KEY')
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(
      'HYDRAWATCH_TLS_CERT and HYDRAWATCH_TLS_KEY go together: give both or neither',
    )
  }
  const clientCaFile = overrides.tlsClientCa ?? get('HYDRAWATCH_TLS_CLIENT_CA')
  if (clientCaFile !== undefined && certFile === undefined) {
    throw new ConfigError(
      'HYDRAWATCH_TLS_CLIENT_CA needs HYDRAWATCH_TLS_CERT and HYDRAWATCH_TLS_KEY: client certificates are checked by the hub serving HTTPS itself',
    )
  }
  const tls =
    certFile === undefined || keyFile === undefined
      ? undefined
      : {
          certFile: resolve(certFile),
          keyFile: resolve(keyFile),
          clientCaFile: clientCaFile === undefined ? undefined : resolve(clientCaFile),
        }
  const urlHost = host.includes(':') ? `[${host}]` : host
  const explicitUrl = overrides.publicUrl ?? get('HYDRAWATCH_PUBLIC_URL')
  const publicUrl = baseUrl(
    'HYDRAWATCH_PUBLIC_URL',
    explicitUrl ?? `${tls === undefined ? 'http' : 'https'}://${urlHost}:${port}`,
  )
  const dataDir = resolve(overrides.dataDir ?? get('HYDRAWATCH_DATA_DIR') ?? './data')
  const databaseUrl = overrides.databaseUrl ?? get('DATABASE_URL')
  let database: DatabaseConfig
  if (databaseUrl === undefined) {
    database = { kind: 'pglite', dataDir }
  } else if (databaseUrl === 'memory:' || databaseUrl === 'pglite:memory') {
    database = { kind: 'pglite', dataDir: 'memory' }
  } else if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    database = { kind: 'postgres', url: databaseUrl }
  } else {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://')
  }
  const retention = overrides.retention ?? get('HYDRAWATCH_RETENTION')
  const maxPageSize =
    overrides.maxPageSize ??
    integer('HYDRAWATCH_MAX_PAGE_SIZE', get('HYDRAWATCH_MAX_PAGE_SIZE') ?? '1000', 1, 100_000)
  return Object.freeze({
    host,
    port,
    publicUrl,
    publicUrlDerived: explicitUrl === undefined,
    dataDir,
    database,
    tls,
    maxPageSize,
    maxContentLength: integer(
      'HYDRAWATCH_MAX_CONTENT_LENGTH',
      get('HYDRAWATCH_MAX_CONTENT_LENGTH') ?? '10485760',
      CONTENT_LENGTH_RANGE.min,
      CONTENT_LENGTH_RANGE.max,
    ),
    maxEnvelopeObjects: integer(
      'HYDRAWATCH_MAX_ENVELOPE_OBJECTS',
      get('HYDRAWATCH_MAX_ENVELOPE_OBJECTS') ?? '10000',
      1,
      1_000_000,
    ),
    syncEnvelopeObjects: integer(
      'HYDRAWATCH_SYNC_ENVELOPE_OBJECTS',
      get('HYDRAWATCH_SYNC_ENVELOPE_OBJECTS') ?? '2000',
      1,
      1_000_000,
    ),
    basicAuth: boolean('HYDRAWATCH_BASIC_AUTH', get('HYDRAWATCH_BASIC_AUTH') ?? 'true'),
    compression: boolean('HYDRAWATCH_COMPRESSION', get('HYDRAWATCH_COMPRESSION') ?? 'true'),
    retentionSeconds:
      retention === undefined ? undefined : duration('HYDRAWATCH_RETENTION', retention),
    title: get('HYDRAWATCH_TITLE') ?? 'hydrawatch',
    description: get('HYDRAWATCH_DESCRIPTION'),
    contact: get('HYDRAWATCH_CONTACT'),
    advertisedApiRoots: apiRootUrls(
      'HYDRAWATCH_ADVERTISED_API_ROOTS',
      get('HYDRAWATCH_ADVERTISED_API_ROOTS') ?? '',
    ),
    logLevel: logLevel(overrides.logLevel ?? get('HYDRAWATCH_LOG_LEVEL') ?? 'info'),
  })
}
