import { randomUUID } from 'node:crypto'
import { issueToken, RIGHTS, scopeString, type TokenRequest } from '../auth/tokens.js'
import { HUB_MEDIA_TYPES } from '../services/bootstrap.js'
import type { Deps } from '../services/deps.js'
import type { AuditFilter } from '../storage/audit-log.js'
import type { CredentialRefs } from '../storage/feed-store.js'
import type { ApiRootRecord, AuditEvent, CollectionRecord } from '../storage/store.js'
import {
  addFeed,
  listFeeds,
  removeFeed,
  showFeed,
  syncFeeds,
  type FeedInput,
  type SyncInput,
} from '../sync/feeds.js'
import type { FeedProgress } from '../sync/run.js'
import { exportToFile, importFile, type ImportInput } from './import-export.js'
import { AdminInputError, isApiRootName } from './input.js'

export { AdminInputError }

const ALIAS = /^[a-z0-9][a-z0-9-]{0,62}$/
const UUID_SHAPED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface CollectionInput {
  apiRoot: string
  title: string
  alias?: string
  description?: string
  canRead: boolean
  canWrite: boolean
  id?: string
}

export interface ApiRootInput {
  name: string
  title: string
  description?: string
  maxContentLength?: number
  isDefault?: boolean
}

/**
 * A collection reference as a token carries it: `*`, or `<api-root>/<collection id>` of the one
 * collection `ref` (an id or alias, bare or as `<api-root>/<id-or-alias>`) names now. Bound at
 * issue time because aliases are unique only within an API root (T-096): a bare alias matched on
 * each request would also grant any collection later given that alias in another API root.
 */
async function scopeRef(deps: Deps, ref: string): Promise<string> {
  if (ref === '*') return ref
  const slash = ref.indexOf('/')
  if (slash >= 0) {
    const root = await rootOrThrow(deps, ref.slice(0, slash))
    const found = await deps.store.findCollection(root.pk, ref.slice(slash + 1))
    if (found === undefined) throw new AdminInputError(`no collection "${ref}"`)
    return `${root.name}/${found.id}`
  }
  const matches: string[] = []
  for (const root of await deps.store.listApiRoots()) {
    const found = await deps.store.findCollection(root.pk, ref)
    if (found !== undefined) matches.push(`${root.name}/${found.id}`)
  }
  if (matches.length === 0) {
    throw new AdminInputError(`no collection "${ref}" in any API root (create it first)`)
  }
  if (matches.length > 1) {
    const roots = matches.map((m) => m.slice(0, m.indexOf('/')))
    throw new AdminInputError(
      `"${ref}" names a collection in each of the API roots ${roots.join(', ')}: give it as <api-root>/${ref}`,
    )
  }
  return matches[0]!
}

async function rootOrThrow(deps: Deps, name: string) {
  const root = await deps.store.getApiRoot(name)
  if (root === undefined) throw new AdminInputError(`no API root named "${name}"`)
  return root
}

/** An API root as admin commands list it: without the database's row key. */
function shownApiRoot({ pk: _pk, ...root }: ApiRootRecord) {
  return root
}

/** A collection as admin commands list it: named by its API root, without row keys. */
function shownCollection(apiRoot: string, { pk: _pk, api_root_pk: _root, ...c }: CollectionRecord) {
  return { api_root: apiRoot, ...c }
}

/**
 * Admin operations, each a plain function of JSON input to JSON output, so the CLI can run them
 * against the database directly or, while a hub holds an embedded database, through that hub.
 */
export const operations = {
  'token.issue': async (deps: Deps, input: TokenRequest) => {
    if (input.sub.trim() === '') throw new AdminInputError('--sub must not be empty')
    const resolved: TokenRequest = { ...input }
    for (const right of RIGHTS) {
      const refs = input[right]
      if (refs !== undefined)
        resolved[right] = await Promise.all(refs.map((r) => scopeRef(deps, r)))
    }
    return {
      token: await issueToken(deps.keys, resolved),
      scope: scopeString(resolved),
    }
  },

  'api-roots.list': async (deps: Deps) => {
    return { api_roots: (await deps.store.listApiRoots()).map(shownApiRoot) }
  },

  'api-roots.create': async (deps: Deps, input: ApiRootInput) => {
    if (!isApiRootName(input.name)) {
      throw new AdminInputError(`"${input.name}" cannot name an API root`)
    }
    if ((await deps.store.getApiRoot(input.name)) !== undefined) {
      throw new AdminInputError(`an API root named "${input.name}" exists already`)
    }
    const root = await deps.store.createApiRoot({
      name: input.name,
      title: input.title,
      description: input.description ?? null,
      max_content_length: input.maxContentLength ?? deps.config.maxContentLength,
      is_default: input.isDefault ?? false,
    })
    return { api_root: root }
  },

  'collections.list': async (deps: Deps, input: { apiRoot?: string }) => {
    const roots =
      input.apiRoot === undefined
        ? await deps.store.listApiRoots()
        : [await rootOrThrow(deps, input.apiRoot)]
    const collections = []
    for (const root of roots) {
      for (const c of await deps.store.listCollections(root.pk)) {
        collections.push(shownCollection(root.name, c))
      }
    }
    return { collections }
  },

  'collections.create': async (deps: Deps, input: CollectionInput) => {
    const root = await rootOrThrow(deps, input.apiRoot)
    if (input.alias !== undefined && !ALIAS.test(input.alias)) {
      throw new AdminInputError(
        'an alias is 1-63 characters of a-z, 0-9 and -, starting alphanumeric',
      )
    }
    if (input.alias !== undefined && UUID_SHAPED.test(input.alias)) {
      throw new AdminInputError('an alias must not look like a UUID')
    }
    const id = input.id ?? randomUUID()
    for (const ref of [id, input.alias]) {
      if (ref !== undefined && (await deps.store.findCollection(root.pk, ref)) !== undefined) {
        throw new AdminInputError(`a collection "${ref}" exists already in ${root.name}`)
      }
    }
    const collection = await deps.store.createCollection(root.pk, {
      id,
      alias: input.alias ?? null,
      title: input.title,
      description: input.description ?? null,
      can_read: input.canRead,
      can_write: input.canWrite,
      media_types: HUB_MEDIA_TYPES,
    })
    return { collection: { api_root: root.name, ...collection } }
  },

  export: (deps: Deps, input: { file: string }) => exportToFile(deps, input.file),

  import: (deps: Deps, input: ImportInput) => importFile(deps, input),

  'feeds.add': async (deps: Deps, input: FeedInput) => ({ feed: await addFeed(deps, input) }),

  'feeds.list': async (deps: Deps) => ({ feeds: await listFeeds(deps) }),

  'feeds.show': async (deps: Deps, input: { name: string }) => ({
    feed: await showFeed(deps, input.name),
  }),

  'feeds.remove': (deps: Deps, input: { name: string }) => removeFeed(deps, input.name),

  'audit.list': async (deps: Deps, input: AuditFilter) => ({
    events: await deps.auditLog.list(input),
  }),

  'feeds.provenance': async (deps: Deps, input: { objectId: string }) => ({
    deliveries: await deps.feeds.provenance(input.objectId),
  }),

  /**
   * where the named feeds' secrets are (every feed's when no name is given), for the process that
   * will read them and run the pull
   */
  'feeds.refs': async (deps: Deps, input: { names: string[] }) => {
    const feeds = await deps.feeds.listFeeds()
    const known = new Set(feeds.map((f) => f.name))
    const unknown = input.names.find((name) => !known.has(name))
    if (unknown !== undefined) throw new AdminInputError(`no feed named "${unknown}"`)
    const feedRefs: Record<string, CredentialRefs> = {}
    for (const f of feeds) {
      if (input.names.length === 0 || input.names.includes(f.name)) feedRefs[f.name] = f.credentials
    }
    return { feedRefs }
  },

  pull: (deps: Deps, input: SyncInput, progress?: Progress) =>
    syncFeeds(deps, 'pull', input, progress),

  push: (deps: Deps, input: SyncInput, progress?: Progress) =>
    syncFeeds(deps, 'push', input, progress),
} as const

/** Progress events of long operations, streamed to the CLI when it goes through a running hub. */
export type Progress = (event: FeedProgress) => void

export type OperationName = keyof typeof operations
export type OperationInput<N extends OperationName> = Parameters<(typeof operations)[N]>[1]
export type OperationFunction = (
  deps: Deps,
  input: unknown,
  progress?: Progress,
) => Promise<unknown>
export type OperationOutput<N extends OperationName> = Awaited<ReturnType<(typeof operations)[N]>>

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name)
}

type Audited = {
  [N in OperationName]?: (
    input: OperationInput<N>,
    output: OperationOutput<N>,
  ) => Omit<AuditEvent, 'sub'>
}

/** What each changing operation leaves in the audit log (never a token or a secret). */
const AUDITED: Audited = {
  'token.issue': (i, o) => ({
    action: 'issue_token',
    details: {
      token_sub: i.sub,
      read: i.read ?? [],
      write: i.write ?? [],
      admin: i.admin ?? [],
      scope: o.scope,
      identities: i.identities ?? [],
      ...(i.certThumbprint !== undefined && { client_cert_sha256: i.certThumbprint }),
      ttl_seconds: i.ttlSeconds,
    },
  }),
  'api-roots.create': (i) => ({ action: 'create_api_root', api_root: i.name }),
  'collections.create': (i, o) => ({
    action: 'create_collection',
    api_root: i.apiRoot,
    collection_id: o.collection.id,
    details: { alias: i.alias ?? null, can_read: i.canRead, can_write: i.canWrite },
  }),
  import: (i, { warnings, ...summary }) => ({
    action: 'import',
    details: { ...summary, file: i.file, warnings: warnings.length },
  }),
  'feeds.add': (i) => ({
    action: 'add_feed',
    details: { feed: i.name, url: i.url, collection: i.collection, into: i.into },
  }),
  'feeds.remove': (i) => ({ action: 'remove_feed', details: { feed: i.name } }),
  pull: (_i, o) => ({ action: 'pull', details: { feeds: o.feeds } }),
  push: (_i, o) => ({ action: 'push', details: { feeds: o.feeds } }),
}

/** Who runs admin operations: whoever may read the data directory or reach the database. */
const LOCAL_ADMIN = 'local-admin'

/** Runs an admin operation and records it in the audit log when it changed something. */
export async function perform(
  deps: Deps,
  name: OperationName,
  input: unknown,
  progress?: Progress,
): Promise<unknown> {
  const run = operations[name] as OperationFunction
  const output = await run(deps, input, progress)
  const audited = AUDITED[name] as ((i: unknown, o: unknown) => Omit<AuditEvent, 'sub'>) | undefined
  if (audited !== undefined) await deps.store.audit({ sub: LOCAL_ADMIN, ...audited(input, output) })
  return output
}
