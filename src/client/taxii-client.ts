import { CollectionClient } from './collection-client.js'
import { HttpTransport, type TaxiiClientOptions } from './http.js'
import {
  readApiRoot,
  readCollections,
  readDiscovery,
  type ApiRootInfo,
  type CollectionInfo,
  type Discovery,
  type TaxiiStatus,
} from './resources.js'
import { discoveryCandidates, type SrvResolver } from './service-location.js'
import { getStatus } from './status.js'
import { TaxiiClientError } from './errors.js'

/** `url` with a path ending in `/` (T-206); throws TypeError when it is not a URL. */
function slashed(url: string): string {
  const u = new URL(url)
  if (!u.pathname.endsWith('/')) u.pathname += '/'
  return u.href
}

/**
 * A TAXII 2.1 client for one server and one set of credentials. Every request sends
 * `Accept: application/taxii+json;version=2.1` and a `User-Agent`, times out after `timeoutMs`,
 * and is retried with exponential backoff and full jitter on network errors, 408, 429, 500, 502,
 * 503 and 504, honouring `Retry-After` (T-212). Other failures throw at once: `TaxiiHttpError`
 * carries the server's error resource.
 *
 * @see TAXII 2.1 §4, §5; T-200..T-214
 * @example
 * import { TaxiiClient } from 'hydrawatch'
 *
 * const client = new TaxiiClient({
 *   credentials: { kind: 'basic', username: 'acme-lab', password: process.env.PARTNER_TOKEN! },
 * })
 * const { default: apiRoot } = await client.discover('https://partner.example/taxii2/')
 * const [first] = await client.collections(apiRoot!)
 * for await (const object of client.collection(apiRoot!, first!.id).objects()) {
 *   console.log(object.id)
 * }
 */
export class TaxiiClient {
  readonly #http: HttpTransport

  constructor(options: TaxiiClientOptions = {}) {
    this.#http = new HttpTransport(options)
  }

  /**
   * Server Discovery (§4.1): `api_roots` and `default` come back as absolute URLs; entries that
   * break T-069 are left out (T-207).
   *
   * @example
   * const { api_roots } = await client.discover('https://partner.example/taxii2/')
   */
  async discover(discoveryUrl: string): Promise<Discovery> {
    const url = slashed(discoveryUrl)
    const { value } = await this.#http.json('GET', url)
    return readDiscovery(value, url)
  }

  /**
   * Finds a server by domain name or URL and reads its Discovery resource: a domain is looked up
   * as the DNS SRV record `_taxii2._tcp.<domain>` (T-201), its targets tried in order, else
   * `https://<domain>/taxii2/`. Throws the last target's failure when none answers.
   *
   * @example
   * const { url, discovery } = await client.locate('partner.example')
   */
  async locate(
    target: string,
    resolveSrv?: SrvResolver,
  ): Promise<{ url: string; source: string; discovery: Discovery }> {
    const { urls, source } = await discoveryCandidates(target, resolveSrv)
    let failure: unknown
    for (const url of urls) {
      try {
        return { url, source, discovery: await this.discover(url) }
      } catch (err) {
        if (!(err instanceof TaxiiClientError)) throw err
        failure = err
      }
    }
    throw failure
  }

  /**
   * API root information (§4.2), including `max_content_length` for `packEnvelopes`.
   *
   * @example
   * const { max_content_length } = await client.apiRoot('https://partner.example/api1/')
   */
  async apiRoot(apiRootUrl: string): Promise<ApiRootInfo> {
    const url = slashed(apiRootUrl)
    const { value } = await this.#http.json('GET', url)
    return readApiRoot(value, url)
  }

  /**
   * The collections this requester can see in an API root (§5.1); `[]` when there are none.
   *
   * @example
   * const readable = (await client.collections(apiRootUrl)).filter((c) => c.can_read)
   */
  async collections(apiRootUrl: string): Promise<CollectionInfo[]> {
    const url = `${slashed(apiRootUrl)}collections/`
    const { value } = await this.#http.json('GET', url)
    return readCollections(value, url)
  }

  /**
   * A client for one collection (by id, or alias where the server takes one); no request is made.
   *
   * @example
   * const collection = client.collection('https://partner.example/api1/', collectionId)
   */
  collection(apiRootUrl: string, collectionId: string): CollectionClient {
    return new CollectionClient(this.#http, slashed(apiRootUrl), collectionId)
  }

  /**
   * A status resource (§4.3), e.g. of an `addObjects(…, { wait: false })`.
   *
   * @example
   * const status = await client.status(apiRootUrl, statusId)
   */
  async status(apiRootUrl: string, statusId: string): Promise<TaxiiStatus> {
    return getStatus(this.#http, slashed(apiRootUrl), statusId)
  }
}
