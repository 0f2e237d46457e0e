import { TaxiiClientError, TaxiiHttpError } from '../client/index.js'
import type { Deps } from '../services/deps.js'
import type { FeedRecord, Rejection, RunDirection, RunOutcome } from '../storage/feed-store.js'
import type { CollectionRecord } from '../storage/store.js'
import { thrownMessage } from '../thrown.js'

/** One page (pull) or envelope (push) done, for progress bars and per-page log lines. */
export interface FeedProgress {
  feed: string
  direction: RunDirection
  page: number
  received: number
  new_versions: number
  present_versions: number
  rejected: number
  cursor?: string
}

export interface FeedSummary {
  feed: string
  direction: RunDirection
  outcome: Exclude<RunOutcome, 'running'>
  pages: number
  new_versions: number
  present_versions: number
  rejected_versions: number
  /** the first rejections of the run, with their reasons */
  rejections: Rejection[]
  error?: string
}

export interface RunHandle {
  pk: string
  page(p: {
    received: number
    new_versions: number
    present_versions: number
    rejected: Rejection[]
    cursor?: string
  }): void
}

const KEPT_REJECTIONS = 50

export class FeedSetupError extends Error {
  override name = 'FeedSetupError'
}

/** The local collection a feed is paired with. */
export async function feedCollection(deps: Deps, feed: FeedRecord): Promise<CollectionRecord> {
  const root = await deps.store.getApiRoot(feed.local_api_root)
  const collection =
    root === undefined
      ? undefined
      : await deps.store.findCollection(root.pk, feed.local_collection_id)
  if (collection === undefined) {
    throw new FeedSetupError(`the local collection of feed ${feed.name} no longer exists`)
  }
  return collection
}

/** A failure said the way an operator can act on it. */
export function describeFailure(err: unknown): string {
  if (err instanceof TaxiiHttpError) {
    const r = err.resource
    const detail =
      r === undefined ? '' : `: ${r.title}${r.description ? ` (${r.description})` : ''}`
    return `${err.status} from ${err.url}${detail}`
  }
  if (err instanceof TaxiiClientError || err instanceof FeedSetupError) return err.message
  return err instanceof Error ? `${err.name}: ${err.message}` : thrownMessage(err)
}

/**
 * Runs one pull or push of a feed as a recorded run: counts pages and versions, and ends with
 * `success`, `partial` (some versions rejected) or `failed` (stopped by an error; what was
 * committed before stays committed).
 */
export async function runFeed(
  deps: Deps,
  feed: FeedRecord,
  direction: RunDirection,
  onProgress: ((e: FeedProgress) => void) | undefined,
  body: (run: RunHandle) => Promise<void>,
): Promise<FeedSummary> {
  const summary: FeedSummary = {
    feed: feed.name,
    direction,
    outcome: 'success',
    pages: 0,
    new_versions: 0,
    present_versions: 0,
    rejected_versions: 0,
    rejections: [],
  }
  const pk = await deps.feeds.startRun(feed.pk, direction)
  const run: RunHandle = {
    pk,
    page(p) {
      summary.pages++
      summary.new_versions += p.new_versions
      summary.present_versions += p.present_versions
      summary.rejected_versions += p.rejected.length
      for (const r of p.rejected) {
        if (summary.rejections.length < KEPT_REJECTIONS) summary.rejections.push(r)
      }
      onProgress?.({
        feed: feed.name,
        direction,
        page: summary.pages,
        received: p.received,
        new_versions: p.new_versions,
        present_versions: p.present_versions,
        rejected: p.rejected.length,
        ...(p.cursor !== undefined && { cursor: p.cursor }),
      })
    },
  }
  try {
    await body(run)
    if (summary.rejected_versions > 0) summary.outcome = 'partial'
  } catch (err) {
    summary.outcome = 'failed'
    summary.error = describeFailure(err)
  }
  await deps.feeds.finishRun(
    feed.pk,
    pk,
    summary.outcome,
    summary.error ??
      (summary.outcome === 'partial'
        ? `${summary.rejected_versions} versions rejected, e.g. ${summary.rejections[0]?.reason}`
        : undefined),
  )
  return summary
}
