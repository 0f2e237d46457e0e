import { isStixTimestamp, versionKey } from './timestamps.js'

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
