import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { operations } from '../../../src/admin/operations.js'
import { issueToken, type TokenRequest } from '../../../src/auth/tokens.js'
import { loadConfig, type Config } from '../../../src/config.js'
import { openHub } from '../../../src/hub.js'
import { startServer, type RunningServer } from '../../../src/http/server.js'
import type { Deps } from '../../../src/services/deps.js'
import { createTestDatabase, type Dialect, embeddedDataDir } from '../../helpers/db.js'
import { TAXII } from '../../helpers/hub.js'

export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/transfer/${name}`, import.meta.url))

export const readFixture = (name: string): any => JSON.parse(readFileSync(fixture(name), 'utf8'))

/**
 * A database that outlives one hub, so a test can import into it and then serve it: in-memory
 * PGlite would start empty on every open, so PGlite gets a directory of its own.
 */
export interface Place {
  config: Config
  dir: string
  drop(): Promise<void>
}

export async function freshPlace(dialect: Dialect): Promise<Place> {
  const dir = mkdtempSync(join(tmpdir(), 'hw-transfer-'))
  const env = { HYDRAWATCH_HOST: '127.0.0.1', HYDRAWATCH_PORT: '0', HYDRAWATCH_LOG_LEVEL: 'silent' }
  const cleanup = async () => rmSync(dir, { recursive: true, force: true })
  if (dialect === 'pglite') {
    return {
      config: loadConfig({ ...env, HYDRAWATCH_DATA_DIR: embeddedDataDir(join(dir, 'data')) }),
      dir,
      drop: cleanup,
    }
  }
  const db = await createTestDatabase(dialect)
  return {
    config: loadConfig({ ...env, DATABASE_URL: db.url }),
    dir,
    drop: async () => {
      await db.drop()
      await cleanup()
    },
  }
}

/** Runs admin operations against the place with no hub serving it, as the CLI would. */
export async function withDeps<T>(place: Place, run: (deps: Deps) => Promise<T>): Promise<T> {
  const deps = await openHub(place.config, { checkThread: false })
  try {
    return await run(deps)
  } finally {
    await deps.store.close()
  }
}

export const importFile = (place: Place, file: string, extra = {}) =>
  withDeps(place, (deps) => operations.import(deps, { file, ...extra }))

export interface Answer {
  status: number
  first: string | null
  last: string | null
  body: any
}

export interface Served {
  server: RunningServer
  url: string
  token(req?: Partial<TokenRequest>): Promise<string>
  get(path: string, token: string): Promise<Answer>
  post(path: string, token: string, objects: unknown[]): Promise<Answer>
  delete(path: string, token: string): Promise<Answer>
  close(): Promise<void>
}

export async function serve(place: Place): Promise<Served> {
  const server = await startServer(place.config)
  const call = async (
    method: string,
    path: string,
    token: string,
    body?: string,
  ): Promise<Answer> => {
    const res = await fetch(new URL(path, server.url), {
      method,
      headers: {
        accept: TAXII,
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': TAXII }),
      },
      body,
    })
    const text = await res.text()
    return {
      status: res.status,
      first: res.headers.get('x-taxii-date-added-first'),
      last: res.headers.get('x-taxii-date-added-last'),
      body: text === '' ? undefined : JSON.parse(text),
    }
  }
  return {
    server,
    url: server.url,
    token: (req = {}) =>
      issueToken(server.deps.keys, { sub: 'acme', admin: ['*'], ttlSeconds: 3600, ...req }),
    get: (path, token) => call('GET', path, token),
    post: (path, token, objects) => call('POST', path, token, JSON.stringify({ objects })),
    delete: (path, token) => call('DELETE', path, token),
    close: () => server.close(),
  }
}

/** Every page of a listing, following `next` (T-128) with the original filters. */
export async function pages(hub: Served, path: string, token: string): Promise<Answer[]> {
  const all: Answer[] = []
  let next: string | undefined
  do {
    const sep = path.includes('?') ? '&' : '?'
    const answer = await hub.get(
      next === undefined ? path : `${path}${sep}next=${encodeURIComponent(next)}`,
      token,
    )
    all.push(answer)
    next = answer.body?.next
  } while (next !== undefined)
  return all
}
