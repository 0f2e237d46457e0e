/** The most pages one query reads ahead, whatever their size. */
const MAX_RUN_PAGES = 8

/**
 * Pages read ahead: when a page asked for with a `next` names another, the page that one leads to
 * is read at once, while the client is still receiving the first, and handed to the request that
 * follows it. A sync otherwise leaves the database, the hub and the client each idle two thirds of
 * the time, since every page waits for the one before it. A walk has as many pages read ahead as
 * hold up to `walkItems` items, up to MAX_RUN_PAGES, and they are read in runs of that many
 * pages, one query each: a new run starts once the walk asks for the first page of the run before
 * it. Each query costs the hub and the database about the same whatever its length (a COPY to
 * start, plan and read into pages, a connection to take), so longer runs leave more of both to
 * the pages. Walks of 200,000 objects in pages of 1,000, one hub on one database, alternated:
 * runs of four pages beat runs of two by 8% (means of 12 walks, 312k against 288k objects/s),
 * runs of eight beat four by 8% again, and against the two-page runs before them (at most 2,000
 * items a walk) they made 332k against 266k objects/s (16 walks each). Runs of sixteen were 30%
 * slower than eight, with room for 20,000 items in all: it held one walk's pages only in part.
 *
 * A page read ahead is what a request sent at that moment would have got. Rows added afterwards
 * sort after it (date_added is assigned under the collection lock), so they come on later pages
 * exactly as they would have; a write to the collection through this hub makes the pages read
 * ahead from it stale, and they are read again. A new version posted through another hub sharing
 * the database can be missed by a page read ahead at most `ttlMs` before; a removal through one
 * cannot, since the caller serves such a page only while the read-ahead lease it was read under
 * holds, or once the collection's removals show none since (objects.ts, takeReadAhead).
 */
export class ReadAhead<P> {
  readonly #pages = new Map<string, Entry<P>>()
  readonly #generations = new Map<string, number>()
  readonly #maxItems: number
  readonly #ttlMs: number
  readonly #walkItems: number
  #items = 0

  /**
   * At most `maxItems` items held in all, each page for at most `ttlMs`; a walk has as many pages
   * read ahead of the one it asked for last as hold up to `walkItems` items, at least one.
   */
  constructor(maxItems: number, ttlMs: number, walkItems: number) {
    this.#maxItems = maxItems
    this.#ttlMs = ttlMs
    this.#walkItems = walkItems
  }

  /**
   * Starts reading `first`, a page of up to `limit` items of the collection, if there is room and
   * it is not being read already, and the pages after it up to the walk's depth, each once the
   * page before it is read or found held (`following` names the page after a page); a page not
   * held starts a run of as many pages as the depth.
   */
  start(
    collectionPk: string,
    limit: number,
    first: PageRead<P>,
    following: (page: P) => PageRead<P> | undefined,
  ): void {
    const depth = Math.min(MAX_RUN_PAGES, Math.max(1, Math.floor(this.#walkItems / limit)))
    this.#chain(collectionPk, limit, first, depth, following, depth)
  }

  /** `read` and the `left - 1` pages after it, as start does. */
  #chain(
    collectionPk: string,
    limit: number,
    read: PageRead<P>,
    run: number,
    following: (page: P) => PageRead<P> | undefined,
    left: number,
  ): void {
    const entry = this.#startOne(collectionPk, limit, read, run, following)
    if (entry === undefined || left === 1) return
    void entry.page.then((p) => {
      // a page made stale by a write may end elsewhere than the one the client will get
      if (p === undefined || this.#generation(collectionPk) !== entry.generation) return
      const next = following(p)
      if (next !== undefined) this.#chain(collectionPk, limit, next, run, following, left - 1)
    })
  }

  /**
   * The page `key` names, held or started now with up to `run - 1` pages after it; undefined if
   * there is no room for it.
   */
  #startOne(
    collectionPk: string,
    limit: number,
    { key, read }: PageRead<P>,
    run: number,
    following: (page: P) => PageRead<P> | undefined,
  ): Entry<P> | undefined {
    const now = performance.now()
    for (const [k, e] of this.#pages) if (e.until <= now) this.#drop(k, e)
    const held = this.#pages.get(key)
    if (held !== undefined) return held
    if (this.#items + limit > this.#maxItems) return undefined
    const entry: Entry<P> = {
      collectionPk,
      generation: this.#generation(collectionPk),
      page: read(run).then(
        (pages) => {
          this.#holdRest(entry, pages, following)
          return pages[0]
        },
        // the request that wants it reads it again, and meets the error there if it persists
        () => undefined,
      ),
      items: limit,
      until: now + this.#ttlMs,
    }
    this.#pages.set(key, entry)
    this.#items += limit
    return entry
  }

  /**
   * Holds the pages read after the first of a run, each under the key `following` gives the page
   * before it, as fresh as the first: the run was read as one query.
   */
  #holdRest(first: Entry<P>, pages: readonly P[], following: (page: P) => PageRead<P> | undefined) {
    for (let i = 1; i < pages.length; i++) {
      const key = following(pages[i - 1]!)?.key
      if (key === undefined || this.#generation(first.collectionPk) !== first.generation) return
      if (this.#pages.has(key) || this.#items + first.items > this.#maxItems) return
      this.#pages.set(key, { ...first, page: Promise.resolve(pages[i]) })
      this.#items += first.items
    }
  }

  /** The page `key` read ahead, still fresh, or undefined; either way it is handed out once. */
  take(key: string, collectionPk: string): Promise<P | undefined> | undefined {
    const e = this.#pages.get(key)
    if (e === undefined) return undefined
    this.#drop(key, e)
    const fresh =
      e.collectionPk === collectionPk &&
      e.until > performance.now() &&
      e.generation === this.#generation(collectionPk)
    return fresh ? e.page : undefined
  }

  /** After a write to the collection: its pages read ahead, done or in flight, are stale. */
  invalidate(collectionPk: string): void {
    this.#generations.set(collectionPk, this.#generation(collectionPk) + 1)
    for (const [k, e] of this.#pages) if (e.collectionPk === collectionPk) this.#drop(k, e)
  }

  #generation(collectionPk: string): number {
    return this.#generations.get(collectionPk) ?? 0
  }

  #drop(key: string, e: Entry<P>): void {
    this.#pages.delete(key)
    this.#items -= e.items
  }
}

/** A page to read ahead: the key it is taken by, and how to read it. */
export interface PageRead<P> {
  key: string
  /**
   * Reads the page and up to `pages - 1` pages that follow it, in order, in one query: fewer
   * where the listing ends. The first is the page itself, empty or not.
   */
  read: (pages: number) => Promise<readonly P[]>
}

interface Entry<P> {
  collectionPk: string
  generation: number
  page: Promise<P | undefined>
  items: number
  until: number
}
