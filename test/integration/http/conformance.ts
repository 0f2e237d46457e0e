/**
 * Shared pieces of the HTTP conformance suite (checklist taxii-2.1.md, sections A–L and P). Every
 * suite talks to a real hub over real sockets; nothing here mocks the database.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { startServer, type RunningServer } from '../../../src/http/server.js'
import type { CollectionRecord, NewCollection } from '../../../src/storage/store.js'
import { createTestDatabase, type Dialect, embeddedDataDir } from '../../helpers/db.js'
import { TAXII, type RequestOptions, type TestHub, type TestResponse } from '../../helpers/hub.js'

export { TAXII }

export const TAXII_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export const STIX_21 = 'application/stix+json;version=2.1'
export const STIX_20 = 'application/stix+json;version=2.0'

/** A deterministic STIX id: `<type>--<uuid>` whose last group encodes n and a per-file salt. */
export function stixId(type: string, n: number, salt = 0): string {
  const s = salt.toString(16).padStart(4, '0')
  return `${type}--${s}0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
}

/** A minimal valid STIX 2.1 indicator with the given id and version. */
export function ind(id: string, modified = '2025-07-14T09:30:00.000Z', extra = {}) {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id,
    created: '2025-07-14T08:00:00.000Z',
    modified,
    name: `indicator ${id.slice(-4)}`,
    pattern: "[ipv4-addr:value = '198.51.100.0/24']",
    pattern_type: 'stix',
    valid_from: '2025-07-14T09:30:00Z',
    ...extra,
  }
}

/**
 * `count` indicators of ~1.8 kB, each with a 1,500-character description of `fill`: a page of 200
 * of them is ~350 kB, more than two of the hub's 128 kB chunks (http/send-page.ts).
 */
export function paddedIndicators(count: number, salt: number, fill: string) {
  return Array.from({ length: count }, (_, i) =>
    ind(stixId('indicator', i + 1, salt), undefined, { description: `${i} `.padEnd(1500, fill) }),
  )
}

/** The same object as STIX 2.0 content (no spec_version, S-041). */
export function ind20(id: string, modified = '2025-07-14T09:30:00.000Z') {
  return {
    type: 'indicator',
    id,
    created: '2025-07-14T08:00:00.000Z',
    modified,
    labels: ['malicious-activity'],
    pattern: "[ipv4-addr:value = '198.51.100.0/24']",
    valid_from: '2025-07-14T09:30:00Z',
  }
}

export const objectsPath = (collection: string, root = 'hub') =>
  `/${root}/collections/${collection}/objects/`

/** POSTs an envelope and insists on 202 complete; returns the status resource. */
export async function post(
  hub: TestHub,
  token: string,
  collection: string,
  objects: unknown[],
  root = 'hub',
): Promise<any> {
  const res = await hub.request(objectsPath(collection, root), { token, body: { objects } })
  expect(res.status, res.text).toBe(202)
  expect(res.json.status).toBe('complete')
  return res.json
}

/** A collection created directly in the store, as an operator or an import would. */
export async function addCollection(
  hub: TestHub,
  c: Partial<NewCollection> & { alias?: string | null },
  root = 'hub',
): Promise<CollectionRecord> {
  const apiRoot = (await hub.server.deps.store.getApiRoot(root))!
  return hub.server.deps.store.createCollection(apiRoot.pk, {
    id: randomUUID(),
    title: c.title ?? `collection ${c.alias ?? 'untitled'}`,
    can_read: true,
    can_write: true,
    media_types: [STIX_21, STIX_20],
    ...c,
  })
}

/** The error resource checks every error response must pass (T-021, T-055, T-057, T-058). */
export function expectError(res: TestResponse, status: number, code?: string): void {
  expect(res.status, res.text).toBe(status)
  expect(res.headers.get('content-type')).toBe(TAXII)
  expect(typeof res.json.title).toBe('string')
  expect(typeof res.json.description).toBe('string')
  expect(res.json.http_status).toBe(String(status))
  expect(typeof res.json.error_code).toBe('string')
  if (code !== undefined) expect(res.json.error_code).toBe(code)
}

/** An error body minus its per-occurrence id, for "identical body" comparisons (T-045). */
export function sansErrorId(json: any): unknown {
  const rest = { ...(json as Record<string, unknown>) }
  delete rest.error_id
  return rest
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  /** the body's bytes as they came, still encoded if the hub compressed them */
  body: Buffer
  text: string
}

/**
 * A request with exactly the given headers (fetch adds `Accept: *\/*`, `User-Agent` and others);
 * `chunks` are sent with chunked transfer encoding.
 */
export function raw(
  hub: TestHub,
  path: string,
  opts: {
    method?: string
    headers?: Record<string, string>
    body?: Buffer | string
    chunks?: Buffer[]
  } = {},
): Promise<RawResponse> {
  const url = new URL(path, hub.url)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = []
        res.on('data', (c: Buffer) => parts.push(c))
        res.on('end', () => {
          const body = Buffer.concat(parts)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8'),
          })
        })
        res.on('error', reject)
      },
    )
    // The hub may answer (413) and close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err)
    })
    if (opts.chunks !== undefined) {
      const chunks = opts.chunks
      const write = (i: number): void => {
        if (i === chunks.length) req.end()
        else req.write(chunks[i], () => setImmediate(() => write(i + 1)))
      }
      write(0)
    } else req.end(opts.body)
  })
}

/** `hub.request` with the auth form and token filled in. */
export function as(hub: TestHub, token: string) {
  return (path: string, opts: RequestOptions = {}) => hub.request(path, { token, ...opts })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A hub whose database outlives it, so it can be stopped and started again (on another port):
 * PostgreSQL keeps a test database, PGlite a data directory. `stop()` drops everything.
 */
export async function restartableHub(dialect: Dialect) {
  const dir = mkdtempSync(join(tmpdir(), 'hw-restart-'))
  const database = await createTestDatabase(dialect)
  const env: Record<string, string> =
    dialect === 'postgres'
      ? { DATABASE_URL: database.url }
      : { HYDRAWATCH_DATA_DIR: embeddedDataDir(join(dir, 'data')) }
  let server: RunningServer | undefined
  return {
    async start(): Promise<RunningServer> {
      server = await startServer(
        loadConfig({
          HYDRAWATCH_HOST: '127.0.0.1',
          HYDRAWATCH_PORT: '0',
          HYDRAWATCH_LOG_LEVEL: 'silent',
          ...env,
        }),
      )
      return server
    },
    async restart(): Promise<RunningServer> {
      await server?.close()
      return this.start()
    },
    async stop(): Promise<void> {
      await server?.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
