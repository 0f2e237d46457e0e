/**
 * Pages read ahead: when a page asked for with a `next` names another, the page that one leads to
 * is read at once, while the client is still receiving the first, and handed to the request that
 * follows it. A sync otherwise leaves the database, the hub and the client each idle two thirds of
 * the time, since every page waits for the one before it.
 *
 * A page read ahead is what a request sent at that moment would have got. Rows added afterwards
 * sort after it (date_added is assigned under the collection lock), so they come on later pages
 * exactly as they would have; a write to the collection through this hub makes the pages read
 * ahead from it stale, and they are read again. A new version posted through another hub sharing
 * the database can be missed by a page read ahead at most `ttlMs` before; a removal through one
 * cannot, since the caller checks the collection's removals before serving such a page
 * (objects.ts, readAheadPage).
 */
export class ReadAhead<P> {
  readonly #pages = new Map<string, Entry<P>>()
  readonly #generations = new Map<string, number>()
  readonly #maxItems: number
  readonly #ttlMs: number
  #items = 0

  /** At most `maxItems` items held in all, each page for at most `ttlMs`. */
  constructor(maxItems: number, ttlMs: number) {
    this.#maxItems = maxItems
    this.#ttlMs = ttlMs
  }

  /** Starts reading the page `key` (up to `limit` items) of the collection, if there is room. */
  start(key: string, collectionPk: string, limit: number, read: () => Promise<P>): void {
    const now = performance.now()
    for (const [k, e] of this.#pages) if (e.until <= now) this.#drop(k, e)
    if (this.#pages.has(key) || this.#items + limit > this.#maxItems) return
    const page = read().then(
      (p) => p,
      // the request that wants it reads it again, and meets the error there if it persists
      () => undefined,
    )
    this.#pages.set(key, {
      collectionPk,
      generation: this.#generations.get(collectionPk) ?? 0,
      page,
      items: limit,
      until: now + this.#ttlMs,
    })
    this.#items += limit
  }

  /** The page `key` read ahead, still fresh, or undefined; either way it is handed out once. */
  take(key: string, collectionPk: string): Promise<P | undefined> | undefined {
    const e = this.#pages.get(key)
    if (e === undefined) return undefined
    this.#drop(key, e)
    const fresh =
      e.collectionPk === collectionPk &&
      e.until > performance.now() &&
      e.generation === (this.#generations.get(collectionPk) ?? 0)
    return fresh ? e.page : undefined
  }

  /** After a write to the collection: its pages read ahead, done or in flight, are stale. */
  invalidate(collectionPk: string): void {
    this.#generations.set(collectionPk, (this.#generations.get(collectionPk) ?? 0) + 1)
    for (const [k, e] of this.#pages) if (e.collectionPk === collectionPk) this.#drop(k, e)
  }

  #drop(key: string, e: Entry<P>): void {
    this.#pages.delete(key)
    this.#items -= e.items
  }
}

interface Entry<P> {
  collectionPk: string
  generation: number
  page: Promise<P | undefined>
  items: number
  until: number
}
