import { fractionDigits, isStixTimestamp, versionKey } from './timestamps.js'

/** What storage needs to know of an object: how to file it and how to spot a duplicate. */
export interface ObjectMeta {
  id: string
  type: string
  spec_version: string
  /** `modified`, else `created`; null when neither exists (T-121) */
  version: string | null
  version_key: string | null
}

export interface DescribedObject {
  /** id and version to report in a status resource (T-086, T-087) */
  id: string
  version: string
  /** set when id, type and version can be read well enough to store or deduplicate */
  meta?: ObjectMeta
}

const TYPE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export const isTypeName = (t: string): boolean =>
  t.length >= 3 && t.length <= 250 && TYPE_NAME.test(t)

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The spec version an object is filed under (S-041): its own `spec_version`; without one, an
 * object with `created` or `modified` is STIX 2.0 content and anything else an SCO of 2.1.
 */
function specVersionOf(o: Record<string, unknown>): string | undefined {
  if (o.spec_version === undefined) {
    return o.created === undefined && o.modified === undefined ? '2.1' : '2.0'
  }
  return typeof o.spec_version === 'string' ? o.spec_version : undefined
}

/** Reads id, type and version first, before any check, so duplicates skip validation (S-210). */
export function describeObject(value: unknown, index: number): DescribedObject {
  const fallbackId = `objects[${index}]`
  if (!isObject(value)) return { id: fallbackId, version: 'unknown' }
  const id = typeof value.id === 'string' && value.id !== '' ? value.id : fallbackId
  const stated = value.modified ?? value.created
  const version = typeof stated === 'string' ? stated : 'unknown'
  const type = value.type
  const spec = specVersionOf(value)
  if (id === fallbackId || typeof type !== 'string' || spec === undefined) return { id, version }
  if (stated === undefined) {
    return { id, version, meta: { id, type, spec_version: spec, version: null, version_key: null } }
  }
  if (typeof stated !== 'string' || !isStixTimestamp(stated)) return { id, version }
  return {
    id,
    version,
    meta: { id, type, spec_version: spec, version: stated, version_key: versionKey(stated) },
  }
}

function checkTimestamp(o: Record<string, unknown>, name: 'created' | 'modified', spec: string) {
  const v = o[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !isStixTimestamp(v)) {
    return `S-024 ${name}: must be a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z)`
  }
  // STIX 2.0 allowed second precision; 2.1 asks for at least milliseconds
  if (spec === '2.1' && fractionDigits(v) < 3) {
    return `${name === 'created' ? 'S-044' : 'S-045'} ${name}: must have at least millisecond precision`
  }
  return undefined
}

/**
 * The common rules every object must meet whatever its type (S-030, S-040, S-041, S-044, S-045);
 * returns the first violation as a message naming the rule, or undefined.
 */
export function checkCommonProperties(value: unknown): string | undefined {
  if (!isObject(value)) return 'S-006 the element is not a JSON object'
  const { type, id } = value
  if (typeof type !== 'string') return 'S-006 type: required string is missing'
  if (type === 'bundle') return 'S-040 type: a bundle cannot be stored in a collection'
  if (!isTypeName(type)) return `S-003 type: "${type}" is not a valid STIX type name`
  if (typeof id !== 'string') return 'S-006 id: required string is missing'
  const sep = id.indexOf('--')
  if (sep < 0 || id.slice(0, sep) !== type) {
    return `S-030 id: must be "${type}--" followed by a UUID`
  }
  if (!UUID.test(id.slice(sep + 2))) {
    return 'S-030 id: the part after "--" must be an RFC 4122 UUID in lowercase hex'
  }
  const spec = specVersionOf(value)
  if (spec !== '2.1' && spec !== '2.0') {
    return `S-041 spec_version: "${String(value.spec_version)}" is not supported (2.1 or 2.0)`
  }
  const created = checkTimestamp(value, 'created', spec)
  if (created !== undefined) return created
  const modified = checkTimestamp(value, 'modified', spec)
  if (modified !== undefined) return modified
  if (
    typeof value.created === 'string' &&
    typeof value.modified === 'string' &&
    versionKey(value.modified) < versionKey(value.created)
  ) {
    return 'S-045 modified: must not be earlier than created'
  }
  return undefined
}
