import { packEnvelopes, TaxiiClient, type Credentials, type TaxiiStatus } from '../client/index.js'
import type { Deps } from '../services/deps.js'
import {
  deliveryKey,
  type FeedRecord,
  type PushCandidate,
  type PushFailure,
} from '../storage/feed-store.js'
import type { KeysetPosition } from '../storage/store.js'
import type { SyncOptions } from './pull.js'
import { feedCollection, runFeed, type FeedSummary, type RunHandle } from './run.js'

const PAGE_SIZE = 1000

/** What TAXII says when a partner gives no max_content_length we can read. */
const FALLBACK_MAX_CONTENT_LENGTH = 10 * 1024 * 1024

/**
 * Pushes a feed's local collection to the partner's collection: first the versions it refused
 * before, then every version added since the push checkpoint, in (date_added, pk) order, in
 * envelopes within the partner's max_content_length (T-214). The checkpoint moves after each
 * envelope's status is complete (T-213); versions the partner refused are kept to send again, never
 * dropped. Versions this feed itself delivered are not echoed back.
 */
export function pushFeed(
  deps: Deps,
  feed: FeedRecord,
  credentials: Credentials,
  opts: SyncOptions = {},
): Promise<FeedSummary> {
  return runFeed(deps, feed, 'push', opts.onProgress, async (run) => {
    const collection = await feedCollection(deps, feed)
    const client = new TaxiiClient({ ...opts.client, credentials })
    const root = await client.apiRoot(feed.api_root_url)
    const maxBytes =
      typeof root.max_content_length === 'number' && root.max_content_length > 0
        ? root.max_content_length
        : FALLBACK_MAX_CONTENT_LENGTH
    const send = (rows: PushCandidate[], position?: KeysetPosition) =>
      sendRows(deps, feed, run, client, maxBytes, rows, position)

    const retries = await deps.feeds.pushFailures(feed.pk)
    if (retries.length > 0) await send(retries)

    let after: KeysetPosition | undefined =
      feed.push_date_added !== null && feed.push_pk !== null
        ? { date_added: feed.push_date_added, pk: feed.push_pk }
        : undefined
    for (;;) {
      const page = await deps.store.listObjects(
        { collection_pk: collection.pk, default_spec_version: false },
        after,
        PAGE_SIZE,
      )
      if (page.rows.length === 0) break
      const echoed = await deps.feeds.deliveredBy(feed.pk, page.rows)
      const last = page.rows[page.rows.length - 1]!
      after = { date_added: last.date_added, pk: last.pk }
      await send(
        page.rows.filter((r) => !echoed.has(deliveryKey(r))),
        after,
      )
      if (!page.more) break
    }
  })
}

async function sendRows(
  deps: Deps,
  feed: FeedRecord,
  run: RunHandle,
  client: TaxiiClient,
  maxBytes: number,
  rows: PushCandidate[],
  position: KeysetPosition | undefined,
): Promise<void> {
  const remote = client.collection(feed.api_root_url, feed.collection_id)
  const { envelopes, tooLarge } = packEnvelopes(
    rows.map((r) => r.body),
    maxBytes,
  )
  const oversized = tooLarge.map((i) => ({
    object_pk: rows[i]!.pk,
    date_added: rows[i]!.date_added,
    reason: `larger than the partner's max_content_length (${maxBytes} bytes)`,
  }))
  if (envelopes.length === 0) {
    await commit(deps, feed, run, rows, position, [], oversized)
    return
  }
  for (const [k, envelope] of envelopes.entries()) {
    const sent = envelope.indexes.map((i) => rows[i]!)
    const status = await remote.addObjects(
      sent.map((r) => r.body),
      { wait: true },
    )
    const failed = failedRows(sent, status)
    const accepted = sent.filter((r) => !failed.has(r)).map((r) => r.pk)
    const isLast = k === envelopes.length - 1
    // The checkpoint may pass this envelope's rows only; the last envelope carries the page's end.
    const at = isLast ? position : position && positionOf(sent[sent.length - 1]!)
    await commit(
      deps,
      feed,
      run,
      sent,
      at,
      accepted,
      [...failed.entries()]
        .map(([r, reason]) => ({ object_pk: r.pk, date_added: r.date_added, reason }))
        .concat(isLast ? oversized : []),
    )
  }
}

const positionOf = (r: PushCandidate): KeysetPosition => ({ date_added: r.date_added, pk: r.pk })

/** The rows a status does not confirm, with the partner's reason. */
function failedRows(sent: PushCandidate[], status: TaxiiStatus): Map<PushCandidate, string> {
  const failed = new Map<PushCandidate, string>()
  const byId = new Map<string, PushCandidate[]>()
  for (const r of sent) byId.set(r.id, [...(byId.get(r.id) ?? []), r])
  for (const f of status.failures ?? []) {
    const candidates = byId.get(f.id) ?? []
    const exact = candidates.filter((r) => f.version === undefined || r.version === f.version)
    for (const r of exact.length > 0 ? exact : candidates) {
      failed.set(r, f.message ?? 'refused by the partner')
    }
  }
  if (status.status !== 'complete') {
    const confirmed = new Set((status.successes ?? []).map((s) => `${s.id}\u0000${s.version}`))
    for (const r of sent) {
      if (!failed.has(r) && !confirmed.has(`${r.id}\u0000${r.version}`)) {
        failed.set(r, 'the partner had not finished storing it when its status was last read')
      }
    }
  }
  return failed
}

async function commit(
  deps: Deps,
  feed: FeedRecord,
  run: RunHandle,
  sent: PushCandidate[],
  position: KeysetPosition | undefined,
  accepted: string[],
  failed: PushFailure[],
): Promise<void> {
  await deps.feeds.commitPushedEnvelope({
    feedPk: feed.pk,
    runPk: run.pk,
    ...(position !== undefined && { position }),
    accepted,
    failed,
    newVersions: accepted.length,
    presentVersions: 0,
  })
  const byPk = new Map(sent.map((r) => [r.pk, r]))
  run.page({
    received: sent.length,
    new_versions: accepted.length,
    present_versions: 0,
    rejected: failed.map((f) => ({
      id: byPk.get(f.object_pk)?.id ?? f.object_pk,
      version: byPk.get(f.object_pk)?.version ?? '',
      reason: f.reason,
    })),
  })
}
