import type { Credentials } from '../client/index.js'
import { plainHttpRefusal } from '../client/service-location.js'
import { AdminInputError } from '../admin/input.js'
import type { Deps } from '../services/deps.js'
import type { CredentialRefs, FeedRecord, FeedRun, Rejection } from '../storage/feed-store.js'
import { describeRefs } from './credentials.js'
import { pullFeed, type SyncOptions } from './pull.js'
import { pushFeed } from './push.js'
import type { FeedProgress, FeedSummary } from './run.js'
import { secondsBetween } from './timestamps.js'

const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/

export interface FeedInput {
  name: string
  url: string
  collection: string
  into: string
  apiRoot?: string
  credentials: CredentialRefs
  matchType?: string[]
  /** accept a plain http:// URL to a host other than this machine (T-203) */
  allowPlainHttp?: boolean
}

/** A feed as `feeds list` and the health endpoint show it: never a secret. */
export interface FeedHealth {
  name: string
  url: string
  collection: string
  into: string
  credentials: string
  match_type: string[] | null
  last_success_at: string | null
  last_error_at: string | null
  last_error: string | null
  /** the partner's X-TAXII-Date-Added-Last of the last page committed here */
  checkpoint: string | null
  /** the newest date_added the partner has reported */
  partner_newest: string | null
  /** seconds between the two: what the partner has that we have not committed yet */
  lag_seconds: number | null
  pulled_versions: number
  already_present_versions: number
  rejected_versions: number
  pushed_versions: number
  last_run: FeedRun | null
}

export interface FeedDetail extends FeedHealth {
  runs: FeedRun[]
  recent_rejections: Rejection[]
}

function apiRootUrl(url: string, allowPlainHttp: boolean): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AdminInputError(`--url "${url}" is not a URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AdminInputError('--url must be an http:// or https:// API root URL')
  }
  const refusal = plainHttpRefusal(parsed, allowPlainHttp)
  if (refusal !== undefined) throw new AdminInputError(`--url ${refusal}`)
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new AdminInputError('--url is an API root URL, without query or fragment')
  }
  return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`
}

function health(feed: FeedRecord, lastRun: FeedRun | undefined): FeedHealth {
  const lag =
    feed.pull_cursor === null || feed.partner_newest === null
      ? null
      : (secondsBetween(feed.pull_cursor, feed.partner_newest) ?? null)
  return {
    name: feed.name,
    url: feed.api_root_url,
    collection: feed.collection_id,
    into: `${feed.local_api_root}/${feed.local_collection_alias ?? feed.local_collection_id}`,
    credentials: describeRefs(feed.credentials),
    match_type: feed.match_type,
    last_success_at: feed.last_success_at,
    last_error_at: feed.last_error_at,
    last_error: feed.last_error,
    checkpoint: feed.pull_cursor,
    partner_newest: feed.partner_newest,
    lag_seconds: lag,
    pulled_versions: feed.pulled_versions,
    already_present_versions: feed.present_versions,
    rejected_versions: feed.rejected_versions,
    pushed_versions: feed.pushed_versions,
    last_run: lastRun ?? null,
  }
}

async function feedOrThrow(deps: Deps, name: string): Promise<FeedRecord> {
  const feed = await deps.feeds.getFeed(name)
  if (feed === undefined) throw new AdminInputError(`no feed named "${name}"`)
  return feed
}

export async function addFeed(deps: Deps, input: FeedInput): Promise<FeedHealth> {
  if (!FEED_NAME.test(input.name)) {
    throw new AdminInputError('a feed name is 1-63 characters of A-Z, a-z, 0-9, ., _ and -')
  }
  if ((await deps.feeds.getFeed(input.name)) !== undefined) {
    throw new AdminInputError(`a feed named "${input.name}" exists already`)
  }
  const url = apiRootUrl(input.url, input.allowPlainHttp === true)
  if (input.collection.trim() === '' || input.collection.includes('/')) {
    throw new AdminInputError('--collection is the id of the partner collection')
  }
  // --into takes `collection` or `api-root/collection`
  const slash = input.into.lastIndexOf('/')
  const rootName = input.apiRoot ?? (slash > 0 ? input.into.slice(0, slash) : 'hub')
  const ref = input.into.slice(slash + 1)
  const root = await deps.store.getApiRoot(rootName)
  const local = root === undefined ? undefined : await deps.store.findCollection(root.pk, ref)
  if (root === undefined || local === undefined) {
    throw new AdminInputError(`no local collection "${ref}" in API root ${rootName}`)
  }
  if (local.builtin) throw new AdminInputError(`"${ref}" is built in and read-only`)
  const matchType = input.matchType?.filter((t) => t !== '') ?? []
  const feed = await deps.feeds.createFeed({
    name: input.name,
    api_root_url: url,
    collection_id: input.collection,
    local_collection_pk: local.pk,
    credentials: input.credentials,
    match_type: matchType.length > 0 ? matchType : null,
  })
  return health(feed, undefined)
}

export async function listFeeds(deps: Deps): Promise<FeedHealth[]> {
  const [feeds, lastRuns] = await Promise.all([deps.feeds.listFeeds(), deps.feeds.lastRuns()])
  return feeds.map((f) => health(f, lastRuns.get(f.pk)))
}

export async function showFeed(deps: Deps, name: string): Promise<FeedDetail> {
  const feed = await feedOrThrow(deps, name)
  const runs = await deps.feeds.listRuns(feed.pk, 20)
  return {
    ...health(feed, runs[0]),
    runs,
    recent_rejections: await deps.feeds.listRejections(feed.pk, 20),
  }
}

export async function removeFeed(deps: Deps, name: string): Promise<{ removed: string }> {
  if (!(await deps.feeds.removeFeed(name))) throw new AdminInputError(`no feed named "${name}"`)
  return { removed: name }
}

export interface SyncInput {
  /** feed names; every feed when empty or absent */
  feeds?: string[]
  /** resolved secrets per feed name, by the process that was given them */
  credentials: Record<string, Credentials>
  client?: SyncOptions['client']
}

/** Pulls (or pushes) the named feeds one after another; one feed's failure does not stop the rest. */
export async function syncFeeds(
  deps: Deps,
  direction: 'pull' | 'push',
  input: SyncInput,
  onProgress?: (e: FeedProgress) => void,
): Promise<{ feeds: FeedSummary[] }> {
  const feeds =
    input.feeds === undefined || input.feeds.length === 0
      ? await deps.feeds.listFeeds()
      : await Promise.all(input.feeds.map((name) => feedOrThrow(deps, name)))
  const summaries: FeedSummary[] = []
  const run = direction === 'pull' ? pullFeed : pushFeed
  for (const feed of feeds) {
    const credentials = input.credentials[feed.name] ?? { kind: 'none' as const }
    summaries.push(
      await run(deps, feed, credentials, {
        ...(input.client !== undefined && { client: input.client }),
        ...(onProgress !== undefined && { onProgress }),
      }),
    )
  }
  return { feeds: summaries }
}
