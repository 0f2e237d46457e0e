/**
 * What this process's recent posts added to each collection, so that a post which finds, under
 * the collection's lock, that others have posted since it read the stored versions can tell
 * whether they touched its ids without asking the database for every id added since: with two
 * posters that was 1,000 rows read back per envelope of 1,000 while the lock was held.
 *
 * Every post that adds versions moves its collection's newest stamp from the one it found under
 * the lock to its own last stamp, and posts take the lock one at a time, so the posts between two
 * readings of that stamp form a chain from the first to the second. When each link of the chain is
 * a post of this process, their ids are all that was added in between. A link missing (a post of
 * another process, one whose end this process has not yet seen, or one forgotten) leaves the
 * answer to the database.
 */

interface Add {
  collectionPk: string
  /** the collection's newest stamp when the post took the lock (null: it held no objects) */
  from: string | null
  /** the newest stamp after it: its last version's */
  to: string
  ids: readonly string[]
}

/** Posts remembered, over all collections: a chain longer than this is left to the database. */
const REMEMBERED = 32

export class RecentAdds {
  readonly #adds: Add[] = []

  /** A committed post to `collectionPk` that moved its newest stamp from `from` to `to`. */
  record(collectionPk: string, from: string | null, to: string, ids: readonly string[]): void {
    // kept as given: a set is made only of the ids asked about, and only when one is asked
    this.#adds.push({ collectionPk, from, to, ids })
    if (this.#adds.length > REMEMBERED) this.#adds.shift()
  }

  /**
   * Whether the posts that moved the collection's newest stamp from `from` to `to` added a
   * version of one of `ids`, or `undefined` when not all of them are known here.
   */
  touched(
    collectionPk: string,
    from: string | null,
    to: string | null,
    ids: readonly string[],
  ): boolean | undefined {
    const chain: Add[] = []
    let at = from
    while (at !== to) {
      // stamps only grow, so one post at most starts at a stamp; should two ever, the database
      // decides
      const next = this.#adds.filter((a) => a.collectionPk === collectionPk && a.from === at)
      if (next.length !== 1 || chain.length === this.#adds.length) return undefined
      chain.push(next[0]!)
      at = next[0]!.to
    }
    const wanted = new Set(ids)
    return chain.some((a) => a.ids.some((id) => wanted.has(id)))
  }
}
