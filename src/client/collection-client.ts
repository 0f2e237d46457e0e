import { envelopeBody } from './envelopes.js'
import type { HttpTransport } from './http.js'
import { pageLoop } from './paging.js'
import { withQuery, type ObjectFilters, type PageQuery } from './query.js'
import {
  readCollection,
  readManifestPage,
  readObjectsPage,
  readStatus,
  readVersionsPage,
  type CollectionInfo,
  type ManifestPage,
  type ObjectsPage,
  type TaxiiStatus,
  type VersionsPage,
} from './resources.js'
import { waitForStatus } from './status.js'

/** Filters of a paged listing: Get Objects, Get Object Manifests. */
export type ListFilters = ObjectFilters & { limit?: number }

/** The version filters that Get an Object and Delete an Object take (§5.6, §5.7, P-5). */
export interface VersionMatch {
  version?: string[]
  spec_version?: string[]
}

/** Filters of Get an Object (§5.6): one page of the versions of one object. */
export interface GetObjectFilters {
  added_after?: string
  match?: VersionMatch
  limit?: number
  next?: string
}

/** Filters of Get Object Versions (§5.8). */
export interface VersionsFilters {
  added_after?: string
  match?: { spec_version?: string[] }
  limit?: number
  next?: string
}

export interface AddObjectsOptions {
  /** poll the status until `complete` (default true) */
  wait?: boolean
  /** how long to keep polling a pending status; default 600,000 (10 minutes) */
  pollTimeoutMs?: number
}

/**
 * One collection of one API root. Get it from `TaxiiClient.collection()`; it makes no request
 * until a method is called.
 *
 * @example
 * const collection = client.collection('https://partner.example/api1/', collectionId)
 * for await (const page of collection.pages({ added_after: cursor, limit: 500 })) {
 *   await store(page.objects)
 *   cursor = page.dateAddedLast ?? cursor
 * }
 */
export class CollectionClient {
  /** Absolute URL of the collection, ending in `/`. */
  readonly url: string
  /** Absolute URL of its API root, ending in `/`. */
  readonly apiRootUrl: string
  readonly #http: HttpTransport

  /** @internal use `TaxiiClient.collection()` */
  constructor(http: HttpTransport, apiRootUrl: string, collectionId: string) {
    this.#http = http
    this.apiRootUrl = apiRootUrl
    this.url = `${apiRootUrl}collections/${encodeURIComponent(collectionId)}/`
  }

  /** The collection resource, with this requester's `can_read`/`can_write` (§5.2). */
  async info(): Promise<CollectionInfo> {
    const { value } = await this.#http.json('GET', this.url)
    return readCollection(value, this.url)
  }

  /**
   * Get Objects (§5.4), page by page, following `next` or `X-TAXII-Date-Added-Last` until `more`
   * is false (T-208). Each page is yielded before the next request is made. Every object version
   * comes once per run, except after an expired `next`: the restart re-reads the records sharing
   * the last seen `date_added`.
   *
   * @example
   * for await (const page of collection.pages({ match: { type: ['indicator'] }, limit: 1000 })) {
   *   console.log(page.objects.length, page.dateAddedLast)
   * }
   */
  pages(filters: ListFilters = {}): AsyncIterableIterator<ObjectsPage> {
    const url = `${this.url}objects/`
    return pageLoop(
      (q) => this.#page(url, q, readObjectsPage),
      (p) => p.objects.length,
      filters,
    )
  }

  /**
   * The objects of `pages()`, one by one.
   *
   * @example
   * for await (const object of collection.objects({ added_after: '2025-07-01T00:00:00.000000Z' })) {
   *   console.log(object.id)
   * }
   */
  async *objects(filters: ListFilters = {}): AsyncIterableIterator<Record<string, unknown>> {
    for await (const page of this.pages(filters)) yield* page.objects
  }

  /**
   * Get an Object (§5.6): one page of the versions of `id` the filters select (by default only
   * the latest, T-117). 404 when the collection does not hold it.
   *
   * @example
   * const { objects } = await collection.getObject(id, { match: { version: ['all'] } })
   */
  async getObject(id: string, filters: GetObjectFilters = {}): Promise<ObjectsPage> {
    return this.#page(this.#objectUrl(id), filters, readObjectsPage)
  }

  /**
   * Get Object Manifests (§5.3), paged like `pages()`.
   *
   * @example
   * for await (const page of collection.manifest({ match: { id: [id] }, limit: 100 })) {
   *   for (const record of page.objects) console.log(record.version, record.date_added)
   * }
   */
  manifest(filters: ListFilters = {}): AsyncIterableIterator<ManifestPage> {
    const url = `${this.url}manifest/`
    return pageLoop(
      (q) => this.#page(url, q, readManifestPage),
      (p) => p.objects.length,
      filters,
    )
  }

  /**
   * Get Object Versions (§5.8): one page of the versions of `id`, ascending by `date_added`.
   *
   * @example
   * const { versions } = await collection.versions(id)
   */
  async versions(id: string, filters: VersionsFilters = {}): Promise<VersionsPage> {
    return this.#page(`${this.#objectUrl(id)}versions/`, filters, readVersionsPage)
  }

  /**
   * Add Objects (§5.5): POSTs one envelope. `objects` are objects or their exact JSON texts
   * (strings are sent verbatim). With `wait` (default true) polls the status resource with backoff
   * until `complete` (T-213) and returns the final status; a 404 on the status (expired) ends
   * polling with StatusExpiredError. Failed objects are in the status's `failures`, not thrown.
   * A body larger than the API root's `max_content_length` is refused (413): split with
   * `packEnvelopes` first.
   *
   * @example
   * const status = await collection.addObjects([indicator, relationship])
   * for (const failure of status.failures ?? []) console.error(failure.id, failure.message)
   */
  async addObjects(
    objects: readonly (string | Record<string, unknown>)[],
    opts: AddObjectsOptions = {},
  ): Promise<TaxiiStatus> {
    if (objects.length === 0) throw new TypeError('addObjects needs at least one object')
    const texts = objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o)))
    const url = `${this.url}objects/`
    const { value } = await this.#http.json('POST', url, envelopeBody(texts))
    const status = readStatus(value, url)
    if (opts.wait === false) return status
    return waitForStatus(this.#http, this.apiRootUrl, status, opts.pollTimeoutMs ?? 600_000)
  }

  /**
   * Delete an Object (§5.7). Without filters, every version goes (as hydrawatch and the standard's
   * MUST read it, T-187); with `match`, only the selected versions.
   *
   * @example
   * await collection.deleteObject(id, { match: { version: ['2025-07-14T09:30:00.000Z'] } })
   */
  async deleteObject(id: string, filters: { match?: VersionMatch } = {}): Promise<void> {
    await this.#http.send('DELETE', withQuery(this.#objectUrl(id), filters))
  }

  #objectUrl(id: string): string {
    return `${this.url}objects/${encodeURIComponent(id)}/`
  }

  async #page<P>(
    url: string,
    query: PageQuery,
    read: (value: unknown, body: string, headers: Headers, url: string) => P,
  ): Promise<P> {
    const target = withQuery(url, query)
    const { value, answer } = await this.#http.json('GET', target)
    return read(value, answer.body, answer.headers, target)
  }
}
