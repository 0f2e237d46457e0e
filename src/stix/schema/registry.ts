/**
 * Loads the project's STIX 2.1 JSON Schemas (draft 2020-12) from `schemas/stix-2.1/`, and the
 * schemas of the SCO types the hub's own new-sco extension-definitions add from
 * `schemas/distill/`, and compiles them once per process with ajv. One schema file per type; the
 * directory names the category.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import type { AnySchemaObject, Options, ValidateFunction } from 'ajv'
import ajv2020 from 'ajv/dist/2020.js'
import { FORMATS } from './formats.js'
import { isObject } from './violation.js'

// ajv is CommonJS: under NodeNext its class is the `default` of the module object
const Ajv2020 = ajv2020.default
type Ajv2020 = InstanceType<typeof Ajv2020>

export type Category = 'sdo' | 'sro' | 'sco' | 'meta'

const CATEGORY_DIRS: Readonly<Record<string, Category>> = {
  sdos: 'sdo',
  sros: 'sro',
  observables: 'sco',
  meta: 'meta',
}

/** Base of every `$id`; `.invalid` (RFC 2606) never resolves: the ids are names, not locations. */
export const SCHEMA_BASE = 'https://hydrawatch.invalid/schemas/stix-2.1/'

/** `schemas/stix-2.1/` of the package: three levels up from both src/stix/schema and dist/stix/schema */
export const SCHEMA_DIR = new URL('../../../schemas/stix-2.1/', import.meta.url)

/** Base of the `$id`s of the extension types (`schemas/distill/`, G-033, G-044, G-051). */
export const DISTILL_SCHEMA_BASE = 'https://hydrawatch.invalid/schemas/distill/'

export const DISTILL_SCHEMA_DIR = new URL('../../../schemas/distill/', import.meta.url)

/** Annotation keywords the schemas use; ajv ignores them while validating. */
export const ANNOTATIONS = ['x-sid', 'x-reason', 'x-phase', 'x-id-contributing'] as const

export interface TypeEntry {
  type: string
  category: Category
  validate: ValidateFunction
  /** property names the type's schema declares, common ones included (S-212) */
  properties: ReadonlySet<string>
  /** ID-contributing properties of an SCO type (S-033), from `x-id-contributing` */
  idContributing: readonly string[] | undefined
  /** names of the predefined extensions the type's schema defines (S-156) */
  predefinedExtensions: ReadonlySet<string>
}

/** An SCO type defined by one of the hub's new-sco extension-definitions. */
export interface ExtensionTypeEntry extends TypeEntry {
  /** the rule (`x-sid` of the schema) a wrong deterministic id is reported under */
  sid: string
}

export interface SchemaRegistry {
  types: ReadonlyMap<string, TypeEntry>
  /** SCO types of the hub's extension-definitions, by type */
  extensionTypes: ReadonlyMap<string, ExtensionTypeEntry>
  /** common SDO/SRO rules, for custom objects carrying `created` or `modified` (S-041, S-162) */
  sdoLike: ValidateFunction
  /** common SCO rules, for custom objects without `created` and `modified` */
  scoLike: ValidateFunction
  /** properties the custom-object schemas declare (their common properties) */
  sdoCommon: ReadonlySet<string>
  scoCommon: ReadonlySet<string>
  bundle: ValidateFunction
  schemaCount: number
  /** milliseconds spent reading and compiling, for start-up diagnostics */
  loadMs: number
}

interface SchemaFile {
  id: string
  dir: string
  name: string
  schema: AnySchemaObject
}

/** Keywords whose bookkeeping createAjv turns off. */
const UNTRACKED_KEYWORDS = new Set([
  'unevaluatedProperties',
  'unevaluatedItems',
  '$dynamicRef',
  '$dynamicAnchor',
  '$recursiveRef',
  '$recursiveAnchor',
])

/**
 * The `.json` schemas of one directory, each `$id` checked against `base` + `dir` + file name and
 * none using an UNTRACKED_KEYWORDS keyword.
 */
function readDir(root: URL, base: string, dir: string): SchemaFile[] {
  const dirUrl = new URL(dir, root)
  return readdirSync(dirUrl)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const schema = JSON.parse(readFileSync(new URL(f, dirUrl), 'utf8'), (key, value: unknown) => {
        if (UNTRACKED_KEYWORDS.has(key)) {
          throw new Error(`schema ${dir}${f}: ${key} is not supported (see createAjv)`)
        }
        return value
      }) as AnySchemaObject
      const expected = `${base}${dir}${f}`
      if (schema.$id !== expected) throw new Error(`schema ${dir}${f}: $id must be ${expected}`)
      return { id: expected, dir: dir.slice(0, -1), name: f.slice(0, -'.json'.length), schema }
    })
}

function readSchemas(root: URL): SchemaFile[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readDir(root, SCHEMA_BASE, `${d.name}/`))
}

/** Top-level property names a schema declares through `properties`, `allOf` and `$ref`. */
function declaredProperties(
  schemaId: string,
  byId: ReadonlyMap<string, AnySchemaObject>,
): Set<string> {
  const out = new Set<string>()
  const visit = (node: unknown, base: string): void => {
    if (!isObject(node)) return
    if (isObject(node.properties)) for (const k of Object.keys(node.properties)) out.add(k)
    if (typeof node.$ref === 'string') {
      const target = new URL(node.$ref, base).href
      if (!target.includes('#')) visit(byId.get(target), target)
    }
    if (Array.isArray(node.allOf)) for (const sub of node.allOf) visit(sub, base)
  }
  visit(byId.get(schemaId), schemaId)
  return out
}

/** Keys of `properties.extensions.properties` in a type schema: its predefined extensions. */
function predefinedExtensions(schema: AnySchemaObject): Set<string> {
  const properties: unknown = schema.properties
  const extensions = isObject(properties) ? properties.extensions : undefined
  const defined = isObject(extensions) ? extensions.properties : undefined
  return new Set(isObject(defined) ? Object.keys(defined) : [])
}

export function createAjv(overrides: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true, // on failure the earliest S-210 phase is picked from all errors
    verbose: true, // errors carry parentSchema, where x-sid and x-reason live
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false, // the schemas are meta-validated by the unit tests, not at every start
    // compiling each referenced schema once, unoptimised, costs a third of the start-up time and
    // nothing measurable per object
    inlineRefs: false,
    code: { optimize: false },
    ...overrides,
  })
  // Ajv2020 turns these on for every schema it compiles: each validator then records which
  // properties and items it evaluated, and passes the dynamic anchors in scope to every $ref, for
  // unevaluatedProperties, unevaluatedItems and $dynamicRef. No schema here uses them (readDir
  // refuses one that does), and the bookkeeping was 14% of the validator's work per object
  // (callgrind: 91 against 78 million instructions per 1,000 of the bench's indicators).
  ajv.opts.unevaluated = false
  ajv.opts.dynamicRef = false
  ajv.addVocabulary([...ANNOTATIONS])
  for (const [name, validate] of Object.entries(FORMATS))
    ajv.addFormat(name, { type: 'string', validate })
  return ajv
}

/**
 * Reads and compiles the STIX schemas under `root` and the extension types under `distillRoot`
 * (uncached; see `schemaRegistry`).
 */
export function compileSchemaRegistry(
  root: URL = SCHEMA_DIR,
  distillRoot: URL = DISTILL_SCHEMA_DIR,
): SchemaRegistry {
  const started = performance.now()
  const files = readSchemas(root)
  const distillFiles = readDir(distillRoot, DISTILL_SCHEMA_BASE, '')
  const ajv = createAjv()
  const byId = new Map<string, AnySchemaObject>()
  for (const f of [...files, ...distillFiles]) {
    ajv.addSchema(f.schema)
    byId.set(f.id, f.schema)
  }
  const compile = (id: string): ValidateFunction => {
    const v = ajv.getSchema(id)
    if (v === undefined) throw new Error(`schema ${id} is not registered`)
    return v
  }
  const entry = (f: SchemaFile, category: Category): TypeEntry => {
    const contributing: unknown = f.schema['x-id-contributing']
    return {
      type: f.name,
      category,
      validate: compile(f.id),
      properties: declaredProperties(f.id, byId),
      idContributing: Array.isArray(contributing)
        ? contributing.filter((p): p is string => typeof p === 'string')
        : undefined,
      predefinedExtensions: predefinedExtensions(f.schema),
    }
  }
  const types = new Map<string, TypeEntry>()
  for (const f of files) {
    const category = CATEGORY_DIRS[f.dir]
    if (category === undefined || f.name === 'bundle') continue
    types.set(f.name, entry(f, category))
  }
  const extensionTypes = new Map<string, ExtensionTypeEntry>()
  for (const f of distillFiles) {
    extensionTypes.set(f.name, { ...entry(f, 'sco'), sid: String(f.schema['x-sid']) })
  }
  const sdoCore = `${SCHEMA_BASE}common/sdo-core.json`
  const scoCore = `${SCHEMA_BASE}common/sco-core.json`
  return {
    types,
    extensionTypes,
    sdoLike: compile(sdoCore),
    scoLike: compile(scoCore),
    sdoCommon: declaredProperties(sdoCore, byId),
    scoCommon: declaredProperties(scoCore, byId),
    bundle: compile(`${SCHEMA_BASE}meta/bundle.json`),
    schemaCount: files.length + distillFiles.length,
    loadMs: performance.now() - started,
  }
}

let shared: SchemaRegistry | undefined

/** The registry, read and compiled on first use and shared by every validator of the process. */
export function schemaRegistry(): SchemaRegistry {
  shared ??= compileSchemaRegistry()
  return shared
}
