import { TaxiiClient, timestampMinusMicrosecond, type TaxiiClientOptions } from '../client/index.js'
import type { Credentials, ObjectsPage } from '../client/index.js'
import type { Deps } from '../services/deps.js'
import { storeItems } from '../services/objects.js'
import { readEnvelope, type EnvelopeItem } from '../stix/envelope.js'
import type { FeedRecord, Rejection } from '../storage/feed-store.js'
import { laterTimestamp } from './timestamps.js'
import { feedCollection, runFeed, type FeedProgress, type FeedSummary } from './run.js'

/** Objects asked for per page; servers may answer with fewer (T-211). */
const PAGE_LIMIT = 1000

export interface SyncOptions {
  client?: Omit<TaxiiClientOptions, 'credentials'>
  onProgress?: (event: FeedProgress) => void
}

/**
 * Pulls one feed into its local collection (T-208): from the committed cursor minus 1 µs, page by
 * page, each page stored (idempotently, T-210) before the cursor moves past it, so a pull killed at
 * any moment resumes with nothing lost or duplicated.
 */
export function pullFeed(
  deps: Deps,
  feed: FeedRecord,
  credentials: Credentials,
  opts: SyncOptions = {},
): Promise<FeedSummary> {
  return runFeed(deps, feed, 'pull', opts.onProgress, async (run) => {
    const collection = await feedCollection(deps, feed)
    const client = new TaxiiClient({ ...opts.client, credentials })
    const remote = client.collection(feed.api_root_url, feed.collection_id)
    let cursor = feed.pull_cursor
    let newest = feed.partner_newest
    const pages = remote.pages({
      limit: PAGE_LIMIT,
      ...(cursor !== null && { added_after: timestampMinusMicrosecond(cursor) }),
      // every version, not the latest only (T-210): consumers choose with match[version]
      match: {
        version: ['all'],
        ...(feed.match_type !== null && { type: feed.match_type }),
      },
    })
    for await (const page of pages) {
      const stored = await storePage(deps, collection.pk, page)
      if (page.dateAddedLast !== undefined) {
        cursor = laterTimestamp(cursor, page.dateAddedLast)
        newest = laterTimestamp(newest, page.dateAddedLast)
      }
      await deps.feeds.commitPulledPage({
        feedPk: feed.pk,
        runPk: run.pk,
        delivered: stored.delivered,
        newVersions: stored.newVersions,
        presentVersions: stored.delivered.length - stored.newVersions,
        rejected: stored.rejected,
        ...(cursor !== null && { cursor }),
        ...(newest !== null && { partnerNewest: newest }),
      })
      run.page({
        received: page.objects.length,
        new_versions: stored.newVersions,
        present_versions: stored.delivered.length - stored.newVersions,
        rejected: stored.rejected,
        ...(cursor !== null && { cursor }),
      })
    }
  })
}

function pageItems(page: ObjectsPage): EnvelopeItem[] {
  try {
    return readEnvelope(page.body, { maxObjects: page.objects.length })
  } catch {
    // A body the exact scanner refuses (say, a non-object element) still had its objects parsed
    // by the client: keep what can be kept, re-serialised.
    return page.objects.map((value, index) => ({ index, value, text: JSON.stringify(value) }))
  }
}

/** Stores a page's objects as Add Objects would; what fails local validation is a rejection. */
async function storePage(deps: Deps, collectionPk: string, page: ObjectsPage) {
  if (page.objects.length === 0) return { delivered: [], newVersions: 0, rejected: [] }
  const { successes, failures, newVersions } = await storeItems(deps, collectionPk, pageItems(page))
  const rejected: Rejection[] = failures.map((f) => ({
    id: f.id,
    version: f.version,
    reason: f.message ?? 'not stored',
  }))
  return { delivered: successes, newVersions, rejected }
}
