/**
 * Deterministic SCO identifiers (§2.9, §3.4; S-033, S-034): UUIDv5 in the STIX namespace over the
 * RFC 8785 (JCS) serialisation of the ID-contributing properties present on the object.
 */
import { createHash } from 'node:crypto'
import { isObject, type Obj } from './violation.js'

export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7'

/** RFC 8785 canonical JSON: sorted keys (UTF-16 order), ECMAScript number and string forms. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export function uuidV5(name: string, namespace: string = STIX_SCO_NAMESPACE): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6)
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8)
  const h = hash.subarray(0, 16).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

const HASH_PREFERENCE = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512']

/** `hashes` contributes a single entry: MD5, SHA-1, SHA-256, SHA-512 in that order, else the first. */
function contributingHash(hashes: Obj): Obj | undefined {
  const key = HASH_PREFERENCE.find((k) => hashes[k] !== undefined) ?? Object.keys(hashes)[0]
  return key === undefined ? undefined : { [key]: hashes[key] }
}

/**
 * The default-namespace id of an SCO, or undefined when none of its ID-contributing properties is
 * present (the object must then use a UUIDv4, S-118).
 */
export function defaultScoId(
  type: string,
  o: Obj,
  contributing: readonly string[],
): string | undefined {
  const name: Obj = {}
  for (const p of contributing) {
    const v = o[p]
    if (v === undefined) continue
    if (p === 'hashes' && isObject(v)) {
      const one = contributingHash(v)
      if (one !== undefined) name[p] = one
    } else {
      name[p] = v
    }
  }
  if (Object.keys(name).length === 0) return undefined
  return `${type}--${uuidV5(canonicalJson(name))}`
}
