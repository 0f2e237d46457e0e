/**
 * The STIX 2.1 object validator applied to every object of an add-objects request (issue 6).
 *
 * Order (S-210), after the caller has parsed the JSON and skipped stored duplicates:
 * type/id syntax → spec_version → required properties → property types → cross-property rules →
 * reference target types → markings → extensions → pattern. The first violation is reported as
 * `S-xxx <path>: <reason>` (S-211). STIX 2.0 content gets the common checks only (S-041).
 * Versioning rules that need stored data (S-062–S-064) are the caller's.
 */
import { firstSchemaViolation } from './errors.js'
import { compareTimestamps, isTimestamp } from './formats.js'
import {
  checksForCustom,
  checksForExtensionType,
  checksForType,
  type Check,
  type PatternCheck,
} from './musts.js'
import { schemaRegistry, type SchemaRegistry, type TypeEntry } from './registry.js'
import { formatViolation, isObject, Phase, type Obj, type Violation } from './violation.js'
import { customWarnings, typeWarnings } from './warnings.js'

export { TLP_MARKING_DEFINITIONS, TLP2_EXTENSION_DEFINITION } from './tlp.js'
export type { PatternCheck } from './musts.js'
export type { Violation } from './violation.js'

/** Checks one object; returns its first violation as `S-xxx <path>: <reason>`, or undefined. */
export interface StixValidator {
  (value: unknown): string | undefined
}

export interface StixValidationResult {
  /** the first violation, as the simple validator returns it */
  error?: string
  /** accepted-with-warning findings (S-016, S-032, S-035, S-055, S-129, S-160, S-162, S-212, …) */
  warnings: string[]
}

export interface DetailedStixValidator extends StixValidator {
  /** the same check plus the warnings to log and count; slower, not for the ingest hot path */
  validateDetailed(value: unknown): StixValidationResult
  /** the shape of a bundle for file import (S-123); its objects are validated one by one */
  validateBundle(value: unknown): string | undefined
}

export interface StixValidatorOptions {
  /**
   * Checks a STIX pattern (pattern_type `stix`, S-128, S-170–S-189) and returns the first problem.
   * A message starting with an S-id (`S-182 …`) is reported under that id, anything else under
   * S-128; the path is always `pattern`.
   */
  patternCheck?: PatternCheck
}

const TYPE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const fail = (phase: Violation['phase'], sid: string, path: string, reason: string): Violation => ({
  phase,
  sid,
  path,
  reason,
})

function checkTypeAndId(o: Obj): Violation | undefined {
  const { type, id } = o
  if (typeof type !== 'string') {
    return fail(
      Phase.syntax,
      'S-006',
      'type',
      type === undefined ? 'required property is missing' : 'must be a string',
    )
  }
  if (type === 'bundle') {
    return fail(
      Phase.syntax,
      'S-123',
      'type',
      'a bundle is not a STIX object; send the objects it contains',
    )
  }
  if (type.length < 3 || type.length > 250) {
    return fail(Phase.syntax, 'S-004', 'type', 'must be 3–250 characters long')
  }
  if (!TYPE_NAME.test(type)) {
    return fail(
      Phase.syntax,
      'S-003',
      'type',
      'must consist of a-z, 0-9 and single hyphens, beginning with a letter',
    )
  }
  if (typeof id !== 'string') {
    return fail(
      Phase.syntax,
      'S-006',
      'id',
      id === undefined ? 'required property is missing' : 'must be a string',
    )
  }
  if (!id.startsWith(`${type}--`))
    return fail(Phase.syntax, 'S-030', 'id', `must be "${type}--" followed by a UUID`)
  if (!UUID.test(id.slice(type.length + 2))) {
    return fail(
      Phase.syntax,
      'S-030',
      'id',
      'must end in an RFC 4122 UUID (version 1–5, lowercase hex)',
    )
  }
  return undefined
}

/** STIX 2.0 content: the rules 2.0 shares with 2.1 on created and modified (S-041). */
function checkStix20(o: Obj): Violation | undefined {
  for (const name of ['created', 'modified'] as const) {
    const v = o[name]
    if (v !== undefined && (typeof v !== 'string' || !isTimestamp(v))) {
      return fail(Phase.types, 'S-024', name, 'must be a STIX timestamp YYYY-MM-DDTHH:mm:ss[.s+]Z')
    }
  }
  if (
    typeof o.created === 'string' &&
    typeof o.modified === 'string' &&
    compareTimestamps(o.modified, o.created) < 0
  ) {
    return fail(Phase.cross, 'S-045', 'modified', 'must not be earlier than created')
  }
  return undefined
}

const hasVersionTimestamps = (o: Obj): boolean =>
  o.created !== undefined || o.modified !== undefined

/**
 * Runs the code checks of the phases before the schema violation's (they are sorted by phase), so
 * the reported violation is the one of the earliest phase; on a tie the schema's wins.
 */
function runChecks(
  o: Obj,
  checks: readonly Check[],
  schemaViolation: Violation | undefined,
): Violation | undefined {
  for (const check of checks) {
    if (schemaViolation !== undefined && check.phase >= schemaViolation.phase) break
    const v = check.run(o)
    if (v !== undefined) return v
  }
  return schemaViolation
}

const typeEntry = (registry: SchemaRegistry, type: string): TypeEntry | undefined =>
  registry.types.get(type) ?? registry.extensionTypes.get(type)

/** What kind of content an accepted object turned out to be, for the warnings */
interface Detail {
  kind?: 'type' | 'custom-sdo' | 'custom-sco' | 'stix-2.0'
}

/** The validation of one object; `detail`, when given, learns the kind of content. */
type Runner = (value: unknown, detail?: Detail) => Violation | undefined

function makeRunner(registry: SchemaRegistry, patternCheck: PatternCheck | undefined): Runner {
  const allPredefined = new Set(
    [...registry.types.values()].flatMap((e) => [...e.predefinedExtensions]),
  )
  const typeChecks = new Map<string, Check[]>()
  for (const entry of registry.types.values()) {
    typeChecks.set(entry.type, checksForType(entry, allPredefined, patternCheck))
  }
  for (const entry of registry.extensionTypes.values()) {
    typeChecks.set(entry.type, checksForExtensionType(entry, allPredefined))
  }
  const customSdoChecks = checksForCustom('sdo', registry.sdoCommon)
  const customScoChecks = checksForCustom('sco', registry.scoCommon)

  return (value, detail) => {
    if (!isObject(value)) return fail(Phase.syntax, 'S-006', '', 'must be a JSON object')
    const syntax = checkTypeAndId(value)
    if (syntax !== undefined) return syntax
    const entry = typeEntry(registry, value.type as string)
    const scoLike = entry === undefined ? !hasVersionTimestamps(value) : entry.category === 'sco'

    const sv = value.spec_version
    if (sv === '2.0' || (sv === undefined && !scoLike && hasVersionTimestamps(value))) {
      if (detail !== undefined) detail.kind = 'stix-2.0'
      return checkStix20(value)
    }
    if (sv !== undefined && sv !== '2.1') {
      const shown = typeof sv === 'string' ? `"${sv}"` : JSON.stringify(sv)
      const reason = `${shown} is not supported (2.1, or 2.0 for older content)`
      return fail(Phase.specVersion, 'S-041', 'spec_version', reason)
    }

    const validate = entry?.validate ?? (scoLike ? registry.scoLike : registry.sdoLike)
    const checks =
      entry === undefined
        ? scoLike
          ? customScoChecks
          : customSdoChecks
        : (typeChecks.get(entry.type) ?? [])
    if (detail !== undefined)
      detail.kind = entry !== undefined ? 'type' : scoLike ? 'custom-sco' : 'custom-sdo'
    const schemaViolation = validate(value)
      ? undefined
      : firstSchemaViolation(validate.errors ?? [])
    return runChecks(value, checks, schemaViolation)
  }
}

/**
 * Builds the validator. Schemas are read and compiled on the first call in the process (see
 * `stixSchemaLoadMs`) and shared by every validator; building one is cheap after that.
 */
export function createStixValidator(opts: StixValidatorOptions = {}): DetailedStixValidator {
  const registry = schemaRegistry()
  const run = makeRunner(registry, opts.patternCheck)

  const validate = (value: unknown): string | undefined => {
    const violation = run(value)
    return violation === undefined ? undefined : formatViolation(violation)
  }

  const validateDetailed = (value: unknown): StixValidationResult => {
    const detail: Detail = {}
    const violation = run(value, detail)
    if (violation !== undefined) return { error: formatViolation(violation), warnings: [] }
    const o = value as Obj
    switch (detail.kind) {
      case 'type': {
        const entry = typeEntry(registry, o.type as string)
        return { warnings: entry === undefined ? [] : typeWarnings(o, entry) }
      }
      case 'custom-sdo':
      case 'custom-sco':
        return { warnings: customWarnings(o, detail.kind === 'custom-sdo') }
      case 'stix-2.0':
      case undefined:
        return { warnings: [] }
    }
  }

  const validateBundle = (value: unknown): string | undefined => {
    if (registry.bundle(value)) return undefined
    const v = firstSchemaViolation(registry.bundle.errors ?? [])
    return v === undefined ? 'S-123 (object): not a bundle' : formatViolation(v)
  }

  return Object.assign(validate, { validateDetailed, validateBundle })
}

/** Milliseconds spent reading and compiling the schemas (compiles them if not yet done). */
export const stixSchemaLoadMs = (): number => schemaRegistry().loadMs

/** Number of schema files loaded. */
export const stixSchemaCount = (): number => schemaRegistry().schemaCount
