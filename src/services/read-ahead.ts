/**
 * Pages read ahead: when a page asked for with a `next` names another, the page that one leads to
 * is read at once, while the client is still receiving the first, and handed to the request that
 * follows it. A sync otherwise leaves the database, the hub and the client each idle two thirds of
 * the time, since every page waits for the one before it. Small pages are read two ahead: with
 * one, the database still waited for each request (a sync of 200 pages of 1,000 took 0.73 to
 * 0.80 s, against 0.54 to 0.65 s with two). Those two are read in one query when the walk gets
 * to them, so a walk costs one query round trip for every two pages rather than every page: a
 * sync of 1,430,000 objects in pages of 1,000 ran 4% faster (means of nine alternated runs, 306k
 * against 293k objects/s), with the same PostgreSQL time in COPY (2.5 s).
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
   * At most `maxItems` items held in all, each page for at most `ttlMs`; a walk has up to two pages
   * read ahead of the one it asked for last, if they hold no more than `walkItems` items together.
   */
  constructor(maxItems: number, ttlMs: number, walkItems: number) {
    this.#maxItems = maxItems
    this.#ttlMs = ttlMs
    this.#walkItems = walkItems
  }

  /**
   * Starts reading `first`, a page of up to `limit` items of the collection, if there is room and
   * it is not being read already, together with the page after it where the walk may have two
   * ahead; once `first` is read, the page `following` names after it is started likewise.
   */
  start(
    collectionPk: string,
    limit: number,
    first: PageRead<P>,
    following: (page: P) => PageRead<P> | undefined,
  ): void {
    const run = 2 * limit > this.#walkItems ? 1 : 2
    const entry = this.#startOne(collectionPk, limit, first, run, following)
    if (entry === undefined || run === 1) return
    void entry.page.then((p) => {
      // a page made stale by a write may end elsewhere than the one the client will get
      if (p === undefined || this.#generation(collectionPk) !== entry.generation) return
      const second = following(p)
      if (second !== undefined) this.#startOne(collectionPk, limit, second, run, following)
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
