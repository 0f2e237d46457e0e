/**
 * Versioning rules that need the versions a collection already holds (S-062, S-063), checked
 * under the collection lock on each new version of an object the collection knows.
 */

/** What a stored or incoming version says about its lineage. */
export interface VersionFacts {
  /** sortable version key (stix/timestamps versionKey) */
  version_key: string
  revoked: boolean
  /** `created_by_ref`, or null when absent */
  creator: string | null
}

/** Reads the facts of an incoming object's exact text (only new versions of known ids). */
export function factsOf(body: string, versionKey: string): VersionFacts {
  const o = JSON.parse(body) as { revoked?: unknown; created_by_ref?: unknown }
  return {
    version_key: versionKey,
    revoked: o.revoked === true,
    creator: typeof o.created_by_ref === 'string' ? o.created_by_ref : null,
  }
}

/**
 * What a poster who may not read the collection is told instead of a lineage problem: that the
 * collection holds versions this one may not follow, not whose they are or whether one revoked
 * the object (T-049: a write-only inbox must not show one lab's submissions to another).
 */
export function concealedLineage(message: string): string {
  return message.startsWith('S-062 ') || message.startsWith('S-063 ')
    ? 'S-062 S-063 the collection holds versions of this object that this one may not follow (only its creator versions an object, and nothing follows a revocation); publish a new object instead'
    : message
}

/**
 * The rule a new version breaks against the stored ones, as `S-xxx <path>: <reason>`.
 * - S-062: revocation is permanent: nothing may follow a revoked version (an older version that
 *   arrives late is history, and is kept).
 * - S-063: only the creator versions an object; absent and present `created_by_ref` differ.
 */
export function versioningProblem(
  stored: readonly VersionFacts[],
  incoming: VersionFacts,
): string | undefined {
  const revocation = stored.find((s) => s.revoked && s.version_key < incoming.version_key)
  if (revocation !== undefined) {
    return 'S-062 revoked: a stored earlier version revoked this object; revocation is permanent, publish a new object instead'
  }
  const other = stored.find((s) => s.creator !== incoming.creator)
  if (other !== undefined) {
    const by = (c: string | null) => (c === null ? 'no created_by_ref' : c)
    return `S-063 created_by_ref: stored versions are by ${by(other.creator)}, this one by ${by(incoming.creator)}; only the creator may version an object, others mint a new id`
  }
  return undefined
}
