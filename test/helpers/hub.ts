import { operations } from '../../src/admin/operations.js'
import { issueToken, type TokenRequest } from '../../src/auth/tokens.js'
import { loadConfig } from '../../src/config.js'
import { startServer, type RunningServer } from '../../src/http/server.js'
import type { CollectionRecord } from '../../src/storage/store.js'
import { createTestDatabase, withTemplate, type Dialect } from './db.js'

export const TAXII = 'application/taxii+json;version=2.1'

export type AuthForm = 'bearer' | 'token' | 'basic-password' | 'basic-username' | 'none'

export interface RequestOptions {
  method?: string
  token?: string
  auth?: AuthForm
  body?: unknown
  headers?: Record<string, string>
}

export interface TestResponse {
  status: number
  headers: Headers
  text: string
  json: any
}

export interface TestHub {
  url: string
  /** DATABASE_URL the hub runs on ('memory:' for in-memory PGlite) */
  databaseUrl: string
  server: RunningServer
  /** the built-in `distillation-indicators` collection of the `hub` API root */
  collection: CollectionRecord
  /** a token as `token issue` makes it: its collection references resolved to `<api-root>/<id>` */
  token(req?: Partial<TokenRequest>): Promise<string>
  /** a token carrying the references as given, unresolved, as a hand-made or older one may */
  rawToken(req?: Partial<TokenRequest>): Promise<string>
  request(path: string, opts?: RequestOptions): Promise<TestResponse>
  close(): Promise<void>
}

export function authorization(token: string, form: AuthForm): string | undefined {
  switch (form) {
    case 'bearer':
      return `Bearer ${token}`
    case 'token':
      return `Token ${token}`
    case 'basic-password':
      return `Basic ${Buffer.from(`partner-lab:${token}`).toString('base64')}`
    case 'basic-username':
      return `Basic ${Buffer.from(`${token}:`).toString('base64')}`
    case 'none':
      return undefined
  }
}

/** A real hub listening on 127.0.0.1 with a fresh database of the given dialect. */
export async function startTestHub(
  dialect: Dialect,
  env: Record<string, string> = {},
): Promise<TestHub> {
  const database = await createTestDatabase(dialect)
  try {
    return await startHubOn(database.url, env, () => database.drop())
  } catch (err) {
    await database.drop()
    throw err
  }
}

/**
 * A hub on an existing database, e.g. a second hub process sharing a PostgreSQL database with
 * the first (T-128). close() stops it and then calls `drop` (by default, leaves the database).
 */
export async function startHubOn(
  databaseUrl: string,
  env: Record<string, string> = {},
  drop: () => Promise<void> = async () => undefined,
): Promise<TestHub> {
  const config = withTemplate(
    loadConfig({
      DATABASE_URL: databaseUrl,
      HYDRAWATCH_HOST: '127.0.0.1',
      HYDRAWATCH_PORT: '0',
      HYDRAWATCH_LOG_LEVEL: 'silent',
      ...env,
    }),
  )
  const server = await startServer(config)
  const root = (await server.deps.store.getApiRoot('hub'))!
  const collection = (await server.deps.store.findCollection(root.pk, 'distillation-indicators'))!
  const url = server.url
  const hub: TestHub = {
    url,
    databaseUrl,
    server,
    collection,
    token: async (req = {}) =>
      (await operations['token.issue'](server.deps, { sub: 'acme', ttlSeconds: 3600, ...req }))
        .token,
    rawToken: (req = {}) => issueToken(server.deps.keys, { sub: 'acme', ttlSeconds: 3600, ...req }),
    async request(path, opts = {}) {
      const headers: Record<string, string> = { accept: TAXII, ...opts.headers }
      const auth =
        opts.token === undefined ? undefined : authorization(opts.token, opts.auth ?? 'bearer')
      if (auth !== undefined) headers.authorization = auth
      let body: string | undefined
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
        headers['content-type'] ??= TAXII
      }
      const res = await fetch(new URL(path, url), {
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
      })
      const text = await res.text()
      let json: unknown
      try {
        json = text === '' ? undefined : JSON.parse(text)
      } catch {
        json = undefined
      }
      return { status: res.status, headers: res.headers, text, json }
    },
    async close() {
      await server.close()
      await drop()
    },
  }
  return hub
}

/** A minimal valid STIX 2.1 indicator. */
export function indicator(n: number, overrides: Record<string, unknown> = {}) {
  const hex = n.toString(16).padStart(12, '0')
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--00000000-0000-4000-8000-${hex}`,
    created: '2025-07-14T09:30:00.000Z',
    modified: '2025-07-14T09:30:00.000Z',
    name: `proxy range ${n}`,
    pattern: `[ipv4-addr:value = '198.51.${n % 256}.0/24']`,
    pattern_type: 'stix',
    valid_from: '2025-07-14T09:30:00Z',
    ...overrides,
  }
}
