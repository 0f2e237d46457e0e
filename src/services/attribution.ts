import { isReferenceObject } from './reference-content.js'

/** Who may be named as an envelope's author (T-171): plain data, so a check thread can take it. */
export interface AttributionRule {
  /** the identities the poster's token is bound to, if any */
  identities: readonly string[]
  /** whether the collection requires every SDO and SRO to name its creator */
  required: boolean
}

// STIX meta objects: neither SDO nor SRO, so never subject to require_attribution
const META_TYPES = new Set(['marking-definition', 'language-content', 'extension-definition'])

/**
 * T-171: a token bound to identities publishes only in their name, and a collection created with
 * `require_attribution` takes no unattributed SDO or SRO. Its verdict counts only for objects that
 * are not duplicates of stored versions; built-in reference content is exempt.
 */
export function attributionCheck({
  identities,
  required,
}: AttributionRule): (value: unknown) => string | undefined {
  return (value) => {
    if (identities.length === 0 && !required) return undefined
    const o = value as Record<string, unknown>
    if (isReferenceObject(o)) return undefined
    const by = o.created_by_ref
    if (by !== undefined) {
      if (identities.length > 0 && !(typeof by === 'string' && identities.includes(by))) {
        return `T-171 created_by_ref: ${JSON.stringify(by)} is not an identity this token may publish as`
      }
      return undefined
    }
    // S-041: an object with created or modified is SDO/SRO-like unless it is a meta object
    const sdoOrSro =
      (o.created !== undefined || o.modified !== undefined) &&
      !(typeof o.type === 'string' && META_TYPES.has(o.type))
    if (required && sdoOrSro) {
      return 'T-171 created_by_ref: this collection requires every SDO and SRO to be attributed'
    }
    return undefined
  }
}
