/**
 * Turns ajv errors into the violation to report: the S-id comes from the `x-sid` annotation of the
 * failing schema node (else from the keyword), the reason from `x-reason` (else from the keyword),
 * and the error of the earliest S-210 phase wins.
 */
import type { ErrorObject } from 'ajv'
import { isObject, joinPath, Phase, type PhaseNumber, type Violation } from './violation.js'

/** keywords whose failing branches report inner errors that are not violations themselves */
const COMBINATORS = new Set(['anyOf', 'oneOf', 'contains'])
/** keywords that relate several properties (S-210 cross-property phase) */
const CROSS_KEYWORDS = new Set(['anyOf', 'oneOf', 'not', 'dependentRequired', 'contains'])

const sidNumber = (sid: string): number => Number(sid.slice(2))

function fallbackSid(e: ErrorObject, params: Record<string, unknown>): string {
  switch (e.keyword) {
    case 'type':
      switch (params.type) {
        case 'boolean':
          return 'S-011'
        case 'integer':
          return 'S-019'
        case 'number':
          return 'S-015'
        case 'array':
          return 'S-021'
        default:
          return 'S-006'
      }
    case 'minItems':
      return 'S-021'
    case 'minProperties':
      return 'S-012'
    case 'enum':
      return 'S-013'
    default:
      return 'S-006'
  }
}

const TYPE_TEXT: Readonly<Record<string, string>> = {
  string: 'must be a string',
  integer: 'must be an integer',
  number: 'must be a number',
  boolean: 'must be true or false',
  array: 'must be a list',
  object: 'must be an object',
}

function defaultReason(e: ErrorObject, params: Record<string, unknown>): string {
  const limit = Number(params.limit)
  switch (e.keyword) {
    case 'required':
      return 'required property is missing'
    case 'dependentRequired':
      return `must be present when ${String(params.property)} is present`
    case 'type': {
      const t = String(params.type)
      return TYPE_TEXT[t] ?? `must be of type ${t.replace(/,/g, ' or ')}`
    }
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${limit}`
    case 'minItems':
      return limit === 1 ? 'must not be an empty list' : `must have at least ${limit} items`
    case 'minProperties':
      return limit === 1 ? 'must not be empty' : `must have at least ${limit} properties`
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`
    case 'maxLength':
      return `must be at most ${limit} characters long`
    case 'pattern':
    case 'format':
      return 'has an invalid format'
    case 'not':
      return 'is not allowed here'
    case 'false schema':
      return 'is not allowed'
    case 'anyOf':
      return 'matches none of the allowed forms'
    case 'oneOf':
      return 'must match exactly one of the allowed forms'
    case 'contains':
      return 'must contain a matching item'
    default:
      return e.message ?? 'is invalid'
  }
}

/** `/external_references/0/url` → `external_references[0].url` */
function pointerToPath(pointer: string): string {
  let path = ''
  if (pointer === '') return path
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    path = /^(?:0|[1-9][0-9]*)$/.test(seg) ? joinPath(path, Number(seg)) : joinPath(path, seg)
  }
  return path
}

function phaseOf(e: ErrorObject, sid: string, parent: Record<string, unknown>): PhaseNumber {
  if (parent['x-phase'] === 'cross') return Phase.cross
  if (e.keyword === 'required' && e.instancePath === '') return Phase.required
  if (sid === 'S-038') return Phase.refs
  // the numbers of guide rules (G-…) say nothing about their phase
  const n = sid.startsWith('S-') ? sidNumber(sid) : 0
  if (n >= 131 && n <= 142) return Phase.markings
  if (n >= 145 && n <= 163) return Phase.extensions
  if (e.keyword === 'required') return Phase.required
  if (CROSS_KEYWORDS.has(e.keyword) && n >= 60) return Phase.cross
  return Phase.types
}

export function toViolation(e: ErrorObject): Violation {
  const parent: Record<string, unknown> = isObject(e.parentSchema) ? e.parentSchema : {}
  const params = e.params as Record<string, unknown>
  const sid = typeof parent['x-sid'] === 'string' ? parent['x-sid'] : fallbackSid(e, params)
  let path = pointerToPath(e.instancePath)
  if (e.propertyName !== undefined) path = joinPath(path, e.propertyName)
  if (e.keyword === 'required' || e.keyword === 'dependentRequired') {
    path = joinPath(path, String(params.missingProperty))
  } else if (e.keyword === 'additionalProperties') {
    path = joinPath(path, String(params.additionalProperty))
  }
  const reason =
    typeof parent['x-reason'] === 'string' ? parent['x-reason'] : defaultReason(e, params)
  return { phase: phaseOf(e, sid, parent), sid, path, reason }
}

const within = (inner: string, outer: string): boolean =>
  inner === outer || inner.startsWith(`${outer}/`)

/** The violation to report for a failed schema validation (ajv ran with allErrors). */
export function firstSchemaViolation(errors: readonly ErrorObject[]): Violation | undefined {
  const kept: ErrorObject[] = []
  for (const e of errors) {
    // `if` and `propertyNames` repeat an inner error that says more
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue
    if (COMBINATORS.has(e.keyword)) {
      // the failed branches' errors were pushed just before the combinator's own error
      for (let last = kept.at(-1); last !== undefined; last = kept.at(-1)) {
        if (!within(last.schemaPath, e.schemaPath) || !within(last.instancePath, e.instancePath)) {
          break
        }
        kept.pop()
      }
    }
    kept.push(e)
  }
  let best: Violation | undefined
  for (const e of kept) {
    const v = toViolation(e)
    if (best === undefined || v.phase < best.phase) best = v
  }
  return best
}
