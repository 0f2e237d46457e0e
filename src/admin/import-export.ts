import { createReadStream } from 'node:fs'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { createInterface } from 'node:readline'
import type { Principal } from '../auth/tokens.js'
import { TaxiiError } from '../errors.js'
import { parseMediaType } from '../media-types.js'
import { HUB_MEDIA_TYPES } from '../services/bootstrap.js'
import type { Deps } from '../services/deps.js'
import { addObjects, STATUS_RETENTION_SECONDS } from '../services/objects.js'
import { describeObject, type ObjectMeta } from '../stix/common.js'
import { isStixTimestamp, parseAddedAfter, versionKey } from '../stix/timestamps.js'
import { mediaTypeForSpec } from '../media-types.js'
import { RepeatedVersionError, storable } from '../storage/store.js'
import { addMicroseconds, STAMP_SPACING_US } from '../storage/taxii-time.js'
import type {
  ApiRootRecord,
  CollectionRecord,
  ExportedEnvelope,
  ImportObject,
  ImportWriter,
  NewApiRoot,
  NewCollection,
  StatusDetail,
  StatusRecord,
} from '../storage/store.js'
import { AdminInputError, AdminUsageError, isApiRootName } from './input.js'

/**
 * `hydrawatch export` and `import`: the file formats are documented in README.md ("Import and
 * export"). Imports of whole API roots run in one transaction and refuse an API root name the
 * database already holds, so a failed import leaves nothing behind.
 */

const EXPORT_FORMAT = 'hydrawatch-export'
const EXPORT_VERSION = 1

/** Bytes of JSON Lines gathered before one write. */
const FLUSH_BYTES = 1 << 20
/** Objects gathered before one insert while streaming an export in. */
const IMPORT_BATCH = 1000
const MAX_WARNINGS = 1000
const HEX_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** The bundle importer writes as this principal; the audit log and status name it. */
const IMPORTER: Principal = {
  sub: 'hydrawatch-import',
  jti: undefined,
  scopes: { read: [], write: [], admin: ['*'] },
  identities: [],
}

export interface ExportSummary {
  file: string
  api_roots: number
  collections: number
  objects: number
  statuses: number
}

export interface ImportInput {
  file: string
  /** with `collection`: where a STIX bundle goes (default `hub`) */
  apiRoot?: string
  collection?: string
}

export type ImportSummary = { warnings: string[] } & (
  | {
      format: typeof EXPORT_FORMAT | 'medallion'
      api_roots: string[]
      default?: string
      collections: number
      objects: number
      statuses: number
    }
  | {
      format: 'bundle'
      api_root: string
      collection: string
      status_id: string
      total_count: number
      success_count: number
      failure_count: number
    }
)

type JsonObject = Record<string, unknown>
type Warn = (message: string) => void

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

type Check<T> = (v: unknown) => T | undefined
const aString: Check<string> = (v) => (typeof v === 'string' ? v : undefined)
const aBoolean: Check<boolean> = (v) => (typeof v === 'boolean' ? v : undefined)
const aCount: Check<number> = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
const aPositive: Check<number> = (v) => (aCount(v) === 0 ? undefined : aCount(v))
const strings: Check<string[]> = (v) =>
  Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined
/** Any RFC 3339 timestamp, as a TAXII timestamp (6 digits, Z). */
const aTimestamp: Check<string> = (v) => (typeof v === 'string' ? parseAddedAfter(v) : undefined)
const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v) =>
    v === null ? null : check(v)
const aStatus: Check<'complete' | 'pending'> = (v) =>
  v === 'complete' || v === 'pending' ? v : undefined

function requireAbsolute(file: string): void {
  if (!isAbsolute(file)) throw new AdminInputError(`"${file}" is not an absolute path`)
}

/** Failed system calls (a missing file, a full disk) are the operator's to fix: input errors. */
function fileError(err: unknown, doing: string): unknown {
  return typeof (err as NodeJS.ErrnoException).syscall === 'string'
    ? new AdminInputError(`cannot ${doing}: ${(err as Error).message}`)
    : err
}

function collectWarnings() {
  const list: string[] = []
  let omitted = 0
  return {
    add: (message: string) => {
      if (list.length < MAX_WARNINGS) list.push(message)
      else omitted++
    },
    list: () => (omitted === 0 ? list : [...list, `${omitted} more warnings not shown`]),
  }
}

const clash = (name: string) =>
  new AdminInputError(
    `an API root named "${name}" exists already; import never overwrites one, so nothing was imported`,
  )

/** Read before an import's transaction: on PGlite a query inside it would wait for it. */
const currentDefault = async (deps: Deps): Promise<string | undefined> =>
  (await deps.store.listApiRoots()).find((r) => r.is_default)?.name

/** The file's default becomes ours unless the database has one already: partners rely on it. */
function keepsDefault(current: string | undefined, wanted: string, warn: Warn): boolean {
  if (current === undefined) return true
  warn(`"${wanted}" is not made the default API root: "${current}" stays the default`)
  return false
}

// ---- export ----

/**
 * Writes every API root, collection, object version and unexpired status to `file` as JSON
 * Lines, one page of objects at a time; the file appears (mode 0600) only once complete.
 */
export async function exportToFile(deps: Deps, file: string): Promise<ExportSummary> {
  requireAbsolute(file)
  const partial = `${file}.partial`
  const counts = { api_roots: 0, collections: 0, objects: 0, statuses: 0 }
  const handle = await open(partial, 'w', 0o600).catch((err: unknown) => {
    throw fileError(err, `write ${file}`)
  })
  let buffer = ''
  const emit = async (record: JsonObject) => {
    buffer += `${JSON.stringify(record)}\n`
    if (buffer.length >= FLUSH_BYTES) {
      await handle.writeFile(buffer)
      buffer = ''
    }
  }
  try {
    await emit({
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exported_at: await deps.store.now(),
    })
    // Fields are listed, not spread, so the file format changes only on purpose.
    await deps.store.exportAll(async (item) => {
      const api_root = item.api_root.name
      switch (item.kind) {
        case 'api_root': {
          counts.api_roots++
          const r = item.api_root
          return emit({
            record: 'api_root',
            name: r.name,
            title: r.title,
            description: r.description,
            versions: r.versions,
            max_content_length: r.max_content_length,
            is_default: r.is_default,
            builtin: r.builtin,
          })
        }
        case 'collection': {
          counts.collections++
          const c = item.collection
          return emit({
            record: 'collection',
            api_root,
            id: c.id,
            alias: c.alias,
            title: c.title,
            description: c.description,
            can_read: c.can_read,
            can_write: c.can_write,
            media_types: c.media_types,
            require_attribution: c.require_attribution,
            builtin: c.builtin,
            last_date_added: c.last_date_added,
          })
        }
        case 'objects':
          counts.objects += item.objects.length
          for (const o of item.objects) {
            await emit({
              record: 'object',
              api_root,
              collection: item.collection.id,
              id: o.id,
              type: o.type,
              spec_version: o.spec_version,
              version: o.version,
              date_added: o.date_added,
              body: o.body,
            })
          }
          return
        case 'status': {
          counts.statuses++
          const s = item.status
          return emit({
            record: 'status',
            api_root,
            id: s.id,
            owner_sub: s.owner_sub,
            status: s.status,
            request_timestamp: s.request_timestamp,
            total_count: s.total_count,
            success_count: s.success_count,
            failure_count: s.failure_count,
            pending_count: s.pending_count,
            successes: s.successes,
            failures: s.failures,
            pendings: s.pendings,
            expires_at: s.expires_at,
            ...(s.envelope !== undefined && { envelope: s.envelope }),
          })
        }
      }
    })
    await emit({ record: 'end', ...counts })
    await handle.writeFile(buffer)
    await handle.sync()
    await handle.close()
    await rename(partial, file)
  } catch (err) {
    await handle.close().catch(() => undefined)
    await rm(partial, { force: true })
    throw fileError(err, `write ${file}`)
  }
  return { file, ...counts }
}

// ---- import: dispatch ----

/** Restores an export, migrates a medallion data file, or adds a STIX bundle to a collection. */
export async function importFile(deps: Deps, input: ImportInput): Promise<ImportSummary> {
  requireAbsolute(input.file)
  const warnings = collectWarnings()
  const stream = createReadStream(input.file)
  const rl = createInterface({ input: stream, crlfDelay: Infinity })
  const lines = rl[Symbol.asyncIterator]()
  try {
    const first = await lines.next().catch((err: unknown) => {
      throw fileError(err, `read ${input.file}`)
    })
    const header = first.done === true ? undefined : exportHeader(first.value)
    if (header !== undefined) {
      if (input.collection !== undefined) {
        throw new AdminUsageError('--collection takes a STIX bundle, not a hydrawatch export')
      }
      const summary = await importExport(deps, header, lines, input.file, warnings.add).catch(
        naming(input.file),
      )
      return { format: EXPORT_FORMAT, ...summary, warnings: warnings.list() }
    }
  } finally {
    rl.close()
    stream.destroy()
  }

  const text = await readFile(input.file, 'utf8').catch((err: unknown) => {
    throw fileError(err, `read ${input.file}`)
  })
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new AdminInputError(
      `${input.file} is neither JSON nor a hydrawatch export: ${(err as Error).message}`,
    )
  }
  if (isObject(data) && data.type === 'bundle') {
    if (input.collection === undefined) {
      throw new AdminUsageError('a STIX bundle goes into a collection: give --collection')
    }
    const { failures, ...summary } = await importBundle(
      deps,
      text,
      data,
      input.apiRoot ?? 'hub',
      input.collection,
    )
    return { format: 'bundle', ...summary, warnings: failures }
  }
  if (isObject(data) && isObject(data['/discovery'])) {
    if (input.collection !== undefined) {
      throw new AdminUsageError('--collection takes a STIX bundle, not a medallion data file')
    }
    const summary = await importMedallion(deps, data, warnings.add).catch(naming(input.file))
    return { format: 'medallion', ...summary, warnings: warnings.list() }
  }
  throw new AdminInputError(
    `${input.file} is not a hydrawatch export, a STIX bundle or a medallion data file`,
  )
}

/** What the store refused of a file's contents, as an input error that names the file. */
const naming =
  (file: string) =>
  (err: unknown): never => {
    if (err instanceof RepeatedVersionError) throw new AdminInputError(`${file}: ${err.message}`)
    throw err
  }

function exportHeader(line: string): JsonObject | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  return isObject(value) && value.format === EXPORT_FORMAT ? value : undefined
}

// ---- import: our own export ----

interface TreeSummary {
  api_roots: string[]
  default?: string
  collections: number
  objects: number
  statuses: number
}

async function importExport(
  deps: Deps,
  header: JsonObject,
  lines: AsyncIterator<string>,
  file: string,
  warn: Warn,
): Promise<TreeSummary> {
  if (header.version !== EXPORT_VERSION) {
    throw new AdminInputError(
      `${file} is export version ${JSON.stringify(header.version)}; this hydrawatch reads version ${EXPORT_VERSION}`,
    )
  }
  const existingDefault = await currentDefault(deps)
  return deps.store.importAll(async (w) => {
    const roots = new Map<string, ApiRootRecord>()
    const collections = new Map<string, CollectionRecord>()
    const summary: TreeSummary = { api_roots: [], collections: 0, objects: 0, statuses: 0 }
    let batch: ImportObject[] = []
    let batchCollection: CollectionRecord | undefined
    const flush = async () => {
      if (batchCollection !== undefined && batch.length > 0) {
        await w.insertObjects(batchCollection.pk, batch)
      }
      batch = []
    }
    let lineNo = 1
    let end: JsonObject | undefined
    for (let next = await lines.next(); next.done !== true; next = await lines.next()) {
      lineNo++
      if (next.value.trim() === '') continue
      const where = `${file} line ${lineNo}`
      if (end !== undefined) throw new AdminInputError(`${where}: a record follows the end record`)
      const r = exportRecord(next.value, where)
      const rootOf = () => {
        const root = roots.get(r.need('api_root', aString, 'a string'))
        if (root === undefined) throw new AdminInputError(`${where}: its API root comes later`)
        return root
      }
      const collectionOf = (root: ApiRootRecord) => {
        const c = collections.get(`${root.pk}/${r.need('collection', aString, 'a string')}`)
        if (c === undefined) throw new AdminInputError(`${where}: its collection comes later`)
        return c
      }
      const kind = r.need('record', aString, 'a string')
      if (kind !== 'object') await flush()
      switch (kind) {
        case 'api_root': {
          const name = r.need('name', aString, 'a string')
          const root = await w.createApiRoot({
            name,
            title: r.need('title', aString, 'a string'),
            description: r.need('description', nullable(aString), 'a string or null'),
            versions: r.need('versions', strings, 'a list of strings'),
            max_content_length: r.need('max_content_length', aPositive, 'a positive integer'),
            is_default:
              r.need('is_default', aBoolean, 'true or false') &&
              keepsDefault(existingDefault, name, warn),
            builtin: r.need('builtin', aBoolean, 'true or false'),
          })
          if (root === undefined) throw clash(name)
          roots.set(name, root)
          summary.api_roots.push(name)
          if (root.is_default) summary.default = name
          break
        }
        case 'collection': {
          const root = rootOf()
          const c = await w.createCollection(
            root.pk,
            {
              id: r.need('id', aString, 'a string'),
              alias: r.need('alias', nullable(aString), 'a string or null'),
              title: r.need('title', aString, 'a string'),
              description: r.need('description', nullable(aString), 'a string or null'),
              can_read: r.need('can_read', aBoolean, 'true or false'),
              can_write: r.need('can_write', aBoolean, 'true or false'),
              media_types: r.need('media_types', strings, 'a list of strings'),
              require_attribution: r.need('require_attribution', aBoolean, 'true or false'),
              builtin: r.need('builtin', aBoolean, 'true or false'),
            },
            r.need('last_date_added', nullable(aTimestamp), 'a timestamp or null'),
          )
          collections.set(`${root.pk}/${c.id}`, c)
          summary.collections++
          break
        }
        case 'object': {
          const c = collectionOf(rootOf())
          if (c !== batchCollection || batch.length >= IMPORT_BATCH) {
            await flush()
            batchCollection = c
          }
          const version = r.need('version', aString, 'a string')
          if (!isStixTimestamp(version)) {
            throw new AdminInputError(`${where}: "version" must be a STIX timestamp`)
          }
          batch.push({
            id: r.need('id', aString, 'a string'),
            type: r.need('type', aString, 'a string'),
            spec_version: r.need('spec_version', aString, 'a string'),
            version,
            version_key: versionKey(version),
            date_added: r.need('date_added', aTimestamp, 'a timestamp'),
            body: r.need('body', aString, 'a string'),
          })
          summary.objects++
          break
        }
        case 'status': {
          const root = rootOf()
          const status = r.need('status', aStatus, '"complete" or "pending"')
          const envelope =
            r.value.envelope === undefined
              ? undefined
              : r.need('envelope', anEnvelope, 'an envelope record')
          if (envelope !== undefined && status !== 'pending') {
            throw new AdminInputError(`${where}: only a pending status has an envelope`)
          }
          const envelopeCollection =
            envelope === undefined
              ? undefined
              : collections.get(`${root.pk}/${envelope.collection}`)
          if (envelope !== undefined && envelopeCollection === undefined) {
            throw new AdminInputError(`${where}: its envelope's collection is not in its API root`)
          }
          await w.putStatus(
            {
              id: r.need('id', aString, 'a string'),
              api_root_pk: root.pk,
              owner_sub: r.need('owner_sub', nullable(aString), 'a string or null'),
              status,
              request_timestamp: r.need('request_timestamp', aTimestamp, 'a timestamp'),
              total_count: r.need('total_count', aCount, 'a count'),
              success_count: r.need('success_count', aCount, 'a count'),
              failure_count: r.need('failure_count', aCount, 'a count'),
              pending_count: r.need('pending_count', aCount, 'a count'),
              successes: r.need('successes', details, 'a list of status details'),
              failures: r.need('failures', details, 'a list of status details'),
              pendings: r.need('pendings', details, 'a list of status details'),
            },
            r.need('expires_at', aTimestamp, 'a timestamp'),
            envelope === undefined || envelopeCollection === undefined
              ? undefined
              : {
                  collection_pk: envelopeCollection.pk,
                  sub: envelope.sub,
                  identities: envelope.identities,
                  body: envelope.body,
                },
          )
          summary.statuses++
          break
        }
        case 'end':
          end = r.value
          break
        default:
          throw new AdminInputError(`${where}: unknown record "${kind}"`)
      }
    }
    await flush()
    if (end === undefined) {
      throw new AdminInputError(`${file} has no end record: it is truncated`)
    }
    const counted = { ...summary, api_roots: summary.api_roots.length }
    for (const key of ['api_roots', 'collections', 'objects', 'statuses'] as const) {
      if (end[key] !== counted[key]) {
        throw new AdminInputError(
          `${file} holds ${counted[key]} ${key} records but its end record counts ${JSON.stringify(end[key])}`,
        )
      }
    }
    return summary
  })
}

const details: Check<StatusDetail[]> = (v) =>
  Array.isArray(v) &&
  v.every((d) => isObject(d) && typeof d.id === 'string' && typeof d.version === 'string')
    ? (v as StatusDetail[])
    : undefined

const anEnvelope: Check<ExportedEnvelope> = (v) =>
  isObject(v) &&
  typeof v.collection === 'string' &&
  typeof v.sub === 'string' &&
  strings(v.identities) !== undefined &&
  typeof v.body === 'string'
    ? { collection: v.collection, sub: v.sub, identities: v.identities as string[], body: v.body }
    : undefined

/**
 * Whether a value bound for text columns holds U+0000: strings, lists of strings, and records of
 * them (an envelope). Status details are stored as json, which keeps the escape, so lists of
 * objects are not looked into.
 */
const holdsNul = (v: unknown): boolean =>
  typeof v === 'string'
    ? !storable(v)
    : Array.isArray(v)
      ? v.some((x) => typeof x === 'string' && !storable(x))
      : isObject(v) && Object.values(v).some(holdsNul)

function exportRecord(line: string, where: string) {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    throw new AdminInputError(`${where}: not JSON (${(err as Error).message})`)
  }
  if (!isObject(value)) throw new AdminInputError(`${where}: not a JSON object`)
  return {
    value,
    need<T>(name: string, check: Check<T>, what: string): T {
      const v = check(value[name])
      if (v === undefined) throw new AdminInputError(`${where}: "${name}" must be ${what}`)
      if (holdsNul(v)) {
        throw new AdminInputError(
          `${where}: "${name}" holds U+0000, which no text column can store`,
        )
      }
      return v
    },
  }
}

// ---- import: a STIX bundle into one collection ----

/** As if the bundle's objects were posted in one envelope (T-137, T-168), however many. */
async function importBundle(
  deps: Deps,
  text: string,
  bundle: JsonObject,
  apiRootName: string,
  collectionRef: string,
) {
  const apiRoot = await deps.store.getApiRoot(apiRootName)
  if (apiRoot === undefined) throw new AdminInputError(`no API root named "${apiRootName}"`)
  const collection = await deps.store.findCollection(apiRoot.pk, collectionRef)
  if (collection === undefined) {
    throw new AdminInputError(`no collection "${collectionRef}" in ${apiRoot.name}`)
  }
  // The envelope cap guards HTTP requests; a file import takes the whole bundle at once.
  const size = Array.isArray(bundle.objects) ? Math.max(bundle.objects.length, 1) : 1
  const importDeps: Deps = { ...deps, config: { ...deps.config, maxEnvelopeObjects: size } }
  let status: StatusRecord
  try {
    status = await addObjects(importDeps, { principal: IMPORTER, apiRoot, collection }, text)
  } catch (err) {
    if (err instanceof TaxiiError) {
      throw new AdminInputError(`the bundle cannot be imported: ${err.description ?? err.title}`)
    }
    throw err
  }
  return {
    api_root: apiRoot.name,
    collection: collection.id,
    status_id: status.id,
    total_count: status.total_count,
    success_count: status.success_count,
    failure_count: status.failure_count,
    failures: status.failures.map((f) => `not stored: ${f.id} ${f.version}: ${f.message}`),
  }
}

// ---- import: the data file of medallion's memory backend ----

/** The API root a discovery URL names: its last path segment, relative URLs included. */
function rootNameOf(url: string): string | undefined {
  try {
    return new URL(url, 'http://discovery.invalid/').pathname.split('/').filter(Boolean).at(-1)
  } catch {
    return undefined
  }
}

/** Reads a property leniently: a wrong or missing value becomes `fallback`, with a warning. */
function lenient<T>(
  o: JsonObject,
  name: string,
  check: Check<T>,
  fallback: T,
  where: string,
  warn: Warn,
  optional = false,
): T {
  const v = o[name]
  if (v === undefined && optional) return fallback
  const ok = check(v)
  if (ok !== undefined && !holdsNul(ok)) return ok
  warn(
    `${where}: ${name} ${v === undefined ? 'is missing' : 'is malformed'}; ${JSON.stringify(fallback)} used`,
  )
  return fallback
}

function list(o: JsonObject, name: string, where: string, warn: Warn): unknown[] {
  return lenient(o, name, (v) => (Array.isArray(v) ? v : undefined), [], where, warn, true)
}

interface RootPlan {
  root: NewApiRoot & { name: string }
  collections: { collection: NewCollection; objects: ImportObject[] }[]
  statuses: Omit<StatusRecord, 'api_root_pk'>[]
}

/**
 * API roots in discovery order (what medallion advertises), then any others the file holds;
 * objects keep their date_added from the manifest, ties included (T-134); statuses are
 * normalised, or skipped when unusable, never fatal (T-081).
 */
async function importMedallion(deps: Deps, data: JsonObject, warn: Warn): Promise<TreeSummary> {
  const discovery = data['/discovery'] as JsonObject
  const keys = Object.keys(data).filter((k) => k !== '/discovery')
  const listed: string[] = []
  for (const url of list(discovery, 'api_roots', 'discovery', warn)) {
    const name = typeof url === 'string' ? rootNameOf(url) : undefined
    if (name !== undefined && keys.includes(name) && !listed.includes(name)) listed.push(name)
    else warn(`discovery lists ${JSON.stringify(url)}, which the file does not hold; skipped`)
  }
  const names = [...listed, ...keys.filter((k) => !listed.includes(k))].filter((name) => {
    if (isObject(data[name])) return true
    warn(`"${name}" is not an API root object; skipped`)
    return false
  })
  for (const name of names) {
    if (!isApiRootName(name)) {
      throw new AdminInputError(
        `hydrawatch cannot serve an API root named "${name}" (1-63 of A-Z a-z 0-9 . _ -, not taxii2, healthz or admin): rename it in the file`,
      )
    }
  }
  const configured = {
    title: deps.config.title,
    description: deps.config.description,
    contact: deps.config.contact,
  }
  for (const [key, value] of Object.entries(configured)) {
    const v = discovery[key]
    if (typeof v === 'string' && v !== value) {
      warn(
        `discovery ${key} "${v}" is not imported: set HYDRAWATCH_${key.toUpperCase()} to advertise it`,
      )
    }
  }

  const wanted = typeof discovery.default === 'string' ? rootNameOf(discovery.default) : undefined
  if (wanted !== undefined && !names.includes(wanted)) {
    warn(`discovery default ${JSON.stringify(discovery.default)} is not in the file; no default`)
  }
  const now = await deps.store.now()
  const plans = names.map((name) => medallionRoot(deps, name, data[name] as JsonObject, now, warn))
  const existingDefault = await currentDefault(deps)
  const defaultName =
    wanted !== undefined && names.includes(wanted) && keepsDefault(existingDefault, wanted, warn)
      ? wanted
      : undefined
  const expiresAt = addMicroseconds(now, STATUS_RETENTION_SECONDS * 1_000_000)
  const summary: TreeSummary = {
    api_roots: names,
    ...(defaultName !== undefined && { default: defaultName }),
    collections: 0,
    objects: 0,
    statuses: 0,
  }
  await deps.store.importAll(async (w: ImportWriter) => {
    for (const plan of plans) {
      const root = await w.createApiRoot({
        ...plan.root,
        is_default: plan.root.name === defaultName,
      })
      if (root === undefined) throw clash(plan.root.name)
      for (const { collection, objects } of plan.collections) {
        const c = await w.createCollection(root.pk, collection, objects.at(-1)?.date_added ?? null)
        await w.insertObjects(c.pk, objects)
        summary.collections++
        summary.objects += objects.length
      }
      for (const status of plan.statuses) {
        await w.putStatus({ ...status, api_root_pk: root.pk }, expiresAt)
        summary.statuses++
      }
    }
  })
  return summary
}

function medallionRoot(
  deps: Deps,
  name: string,
  value: JsonObject,
  now: string,
  warn: Warn,
): RootPlan {
  const where = `API root "${name}"`
  const info = isObject(value.information) ? value.information : {}
  if (!isObject(value.information)) warn(`${where}: information is missing or malformed`)
  const root = {
    name,
    title: lenient(info, 'title', aString, name, where, warn),
    description: lenient(info, 'description', nullable(aString), null, where, warn, true),
    versions: lenient(
      info,
      'versions',
      strings,
      ['application/taxii+json;version=2.1'],
      where,
      warn,
    ),
    max_content_length: lenient(
      info,
      'max_content_length',
      aPositive,
      deps.config.maxContentLength,
      where,
      warn,
    ),
  }

  const collections: RootPlan['collections'] = []
  const ids = new Set<string>()
  for (const [i, raw] of list(value, 'collections', where, warn).entries()) {
    const id = isObject(raw) ? aString(raw.id) : undefined
    if (!isObject(raw) || id === undefined || id === '' || holdsNul(id)) {
      warn(`${where} collections[${i}]: no usable id; skipped`)
      continue
    }
    const cw = `${where} collection ${id}`
    if (ids.has(id)) {
      warn(`${cw}: appears twice; the second is skipped`)
      continue
    }
    ids.add(id)
    if (!HEX_ID.test(id)) warn(`${cw}: the id is not 8-4-4-4-12 hexadecimal, so no URL reaches it`)
    const objects = medallionObjects(deps, raw, cw, now, warn)
    const mediaTypes = lenient(raw, 'media_types', strings, HUB_MEDIA_TYPES, cw, warn)
    // T-099: the list must name every media type the collection holds
    const held = [...new Set(objects.map((o) => mediaTypeForSpec(o.spec_version)))]
    collections.push({
      collection: {
        id,
        title: lenient(raw, 'title', aString, id, cw, warn),
        description: lenient(raw, 'description', nullable(aString), null, cw, warn, true),
        can_read: lenient(raw, 'can_read', aBoolean, false, cw, warn),
        can_write: lenient(raw, 'can_write', aBoolean, false, cw, warn),
        media_types: [...mediaTypes, ...held.filter((m) => !mediaTypes.includes(m))],
      },
      objects,
    })
  }
  return { root, collections, statuses: medallionStatuses(value, where, now, warn) }
}

interface ManifestRecord {
  date_added: string
  version: unknown
  version_key: string | undefined
  spec_version: string | undefined
  used: boolean
}

/** `application/stix+json;version=2.0` → `2.0`. */
function specOfMediaType(v: unknown): string | undefined {
  const m = typeof v === 'string' ? parseMediaType(v) : undefined
  const version = m?.params.version
  return m !== undefined && m.subtype.endsWith('stix+json') && /^\d+\.\d+$/.test(version ?? '')
    ? version
    : undefined
}

function medallionObjects(
  deps: Deps,
  c: JsonObject,
  where: string,
  now: string,
  warn: Warn,
): ImportObject[] {
  const manifest = new Map<string, ManifestRecord[]>()
  for (const [i, m] of list(c, 'manifest', where, warn).entries()) {
    const id = isObject(m) ? aString(m.id) : undefined
    const date = isObject(m) ? aTimestamp(m.date_added) : undefined
    if (!isObject(m) || id === undefined || date === undefined) {
      warn(`${where} manifest[${i}]: no id or no valid date_added; skipped`)
      continue
    }
    const records = manifest.get(id) ?? []
    records.push({
      date_added: date,
      version: m.version,
      version_key:
        typeof m.version === 'string' && isStixTimestamp(m.version)
          ? versionKey(m.version)
          : undefined,
      spec_version: specOfMediaType(m.media_type),
      used: false,
    })
    manifest.set(id, records)
  }

  const candidates: { meta: ObjectMeta; spec_version: string; body: string; date?: string }[] = []
  const seen = new Set<string>()
  let latest = ''
  for (const [i, value] of list(c, 'objects', where, warn).entries()) {
    const { id, version, meta } = describeObject(value, i)
    if (meta === undefined || !isObject(value)) {
      warn(`${where} objects[${i}]: id, type or version unreadable; skipped`)
      continue
    }
    const problem = deps.validate(value)
    if (problem !== undefined) {
      warn(`${where} ${id} ${version}: ${problem}; skipped`)
      continue
    }
    if (meta.version_key !== null) {
      const key = `${id}\u0000${meta.version_key}`
      if (seen.has(key)) {
        warn(`${where} ${id} ${version}: appears twice; the first is kept`)
        continue
      }
      seen.add(key)
    }
    // T-121: an object with neither modified nor created matches any record of its id
    const record = manifest
      .get(id)
      ?.find((r) => !r.used && (meta.version_key === null || r.version_key === meta.version_key))
    if (record !== undefined) {
      record.used = true
      if (record.date_added > latest) latest = record.date_added
    }
    candidates.push({
      meta,
      // S-041: only an object without spec_version leaves its version to the manifest
      spec_version:
        value.spec_version === undefined
          ? (record?.spec_version ?? meta.spec_version)
          : meta.spec_version,
      body: JSON.stringify(value),
      ...(record !== undefined && { date: record.date_added }),
    })
  }
  for (const [id, records] of manifest) {
    for (const r of records.filter((r) => !r.used)) {
      warn(`${where} manifest: no object ${id} ${JSON.stringify(r.version)}; record skipped`)
    }
  }

  // Objects the manifest misses are stamped after all others, as if posted now, as far apart as
  // posted objects are (T-134).
  let stamp = latest >= now ? addMicroseconds(latest, STAMP_SPACING_US) : now
  const objects: ImportObject[] = []
  for (const { meta, spec_version, body, date } of candidates) {
    let date_added = date
    if (date_added === undefined) {
      date_added = stamp
      stamp = addMicroseconds(stamp, STAMP_SPACING_US)
      warn(
        `${where} ${meta.id} ${meta.version ?? ''}: no manifest record; date_added ${date_added}`,
      )
    }
    const version_key = meta.version_key ?? versionKey(date_added)
    if (meta.version_key === null) {
      const key = `${meta.id}\u0000${version_key}`
      if (seen.has(key)) {
        warn(`${where} ${meta.id} ${date_added}: appears twice; the first is kept`)
        continue
      }
      seen.add(key)
    }
    objects.push({
      id: meta.id,
      type: meta.type,
      spec_version,
      version: meta.version ?? date_added,
      version_key,
      date_added,
      body,
    })
  }
  // stable: objects sharing a date_added keep the file's order
  return objects.sort((a, b) =>
    a.date_added < b.date_added ? -1 : a.date_added > b.date_added ? 1 : 0,
  )
}

function medallionStatuses(
  root: JsonObject,
  where: string,
  now: string,
  warn: Warn,
): RootPlan['statuses'] {
  const statuses: RootPlan['statuses'] = []
  const ids = new Set<string>()
  for (const [i, raw] of list(root, 'status', where, warn).entries()) {
    const id = isObject(raw) ? aString(raw.id) : undefined
    if (!isObject(raw) || id === undefined || !HEX_ID.test(id) || ids.has(id)) {
      warn(`${where} status[${i}]: no usable or unique 8-4-4-4-12 id; skipped`)
      continue
    }
    ids.add(id)
    const sw = `${where} status ${id}`
    const detailList = (name: string): StatusDetail[] =>
      list(raw, name, sw, warn).flatMap((d) => {
        if (!isObject(d) || typeof d.id !== 'string') {
          warn(`${sw}: an entry of ${name} has no id; dropped`)
          return []
        }
        if (typeof d.version !== 'string') warn(`${sw}: ${d.id} in ${name} has no version`)
        return [
          {
            id: d.id,
            // T-087
            version: typeof d.version === 'string' ? d.version : 'unknown',
            ...(typeof d.message === 'string' && { message: d.message }),
          },
        ]
      })
    const count = (name: string, entries: StatusDetail[]): number => {
      const stated = lenient(raw, name, aCount, entries.length, sw, warn)
      if (entries.length === 0 || entries.length === stated) return stated
      warn(`${sw}: ${name} is ${stated} but lists ${entries.length}; ${entries.length} used`)
      return entries.length
    }
    const successes = detailList('successes')
    const failures = detailList('failures')
    const pendings = detailList('pendings')
    const success_count = count('success_count', successes)
    const failure_count = count('failure_count', failures)
    const pending_count = count('pending_count', pendings)
    const sum = success_count + failure_count + pending_count
    let total_count = aCount(raw.total_count)
    if (total_count === undefined) {
      const alias = aCount(raw.total_objects)
      total_count = alias ?? sum
      warn(
        alias === undefined
          ? `${sw}: total_count is missing or malformed; ${sum} used`
          : `${sw}: total_objects read as total_count`,
      )
    }
    // T-085: the counts add up
    if (total_count !== sum) {
      warn(`${sw}: total_count ${total_count} is not the sum of the other counts; ${sum} used`)
      total_count = sum
    }
    const status = pending_count === 0 ? 'complete' : 'pending'
    if (raw.status !== status) warn(`${sw}: status ${JSON.stringify(raw.status)} read as ${status}`)
    statuses.push({
      id,
      owner_sub: null,
      status,
      request_timestamp: lenient(raw, 'request_timestamp', aTimestamp, now, sw, warn),
      total_count,
      success_count,
      failure_count,
      pending_count,
      successes,
      failures,
      pendings,
    })
  }
  return statuses
}
