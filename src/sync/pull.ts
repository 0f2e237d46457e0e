import { TaxiiClient, timestampMinusMicrosecond, type TaxiiClientOptions } from '../client/index.js'
import type { Credentials, ObjectsPage } from '../client/index.js'
import type { Deps } from '../services/deps.js'
import { checkEnvelopeItems } from '../services/checked-envelope.js'
import { storeItems, type StoredItems } from '../services/objects.js'
import { readEnvelope, type EnvelopeItem } from '../stix/envelope.js'
import {
  pulledPageWrites,
  type FeedRecord,
  type PulledPage,
  type Rejection,
} from '../storage/feed-store.js'
import type { StoredVersion } from '../storage/store.js'
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
 * page, each page stored (idempotently, T-210) in the transaction that moves the cursor past it
 * and counts it, so a pull killed at any moment resumes with nothing lost, duplicated or counted
 * twice.
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
      if (page.dateAddedLast !== undefined) {
        cursor = laterTimestamp(cursor, page.dateAddedLast)
        newest = laterTimestamp(newest, page.dateAddedLast)
      }
      const moved = {
        ...(cursor !== null && { cursor }),
        ...(newest !== null && { partnerNewest: newest }),
      }
      const commit = (stored: StoredPage): PulledPage => ({
        feedPk: feed.pk,
        runPk: run.pk,
        delivered: stored.delivered,
        newVersions: stored.newVersions,
        presentVersions: stored.delivered.length - stored.newVersions,
        rejected: stored.rejected,
        ...moved,
      })
      const stored = await storePage(deps, collection.pk, page, commit)
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
    return page.objects.map((value, index) => ({ index, value, source: JSON.stringify(value) }))
  }
}

interface StoredPage {
  delivered: StoredVersion[]
  newVersions: number
  rejected: Rejection[]
}

/**
 * Stores a page's objects as Add Objects would, what fails local validation being a rejection,
 * and commits the page (`commit`: provenance, counts, cursor) in the same transaction.
 */
async function storePage(
  deps: Deps,
  collectionPk: string,
  page: ObjectsPage,
  commit: (stored: StoredPage) => PulledPage,
): Promise<StoredPage> {
  if (page.objects.length === 0) {
    const empty: StoredPage = { delivered: [], newVersions: 0, rejected: [] }
    await deps.feeds.commitPulledPage(commit(empty))
    return empty
  }
  const storedOf = ({ successes, failures, newVersions }: StoredItems): StoredPage => ({
    delivered: successes,
    newVersions,
    rejected: failures.map((f) => ({
      id: f.id,
      version: f.version,
      reason: f.message ?? 'not stored',
    })),
  })
  const checked = await checkEnvelopeItems(pageItems(page), deps.validate)
  const stored = await storeItems(deps, collectionPk, checked, (s) => ({
    also: pulledPageWrites(commit(storedOf(s))),
  }))
  return storedOf(stored)
}
