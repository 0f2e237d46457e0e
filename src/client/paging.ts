/**
 * The T-208 paging loop shared by Get Objects and Get Object Manifests.
 *
 * @see TAXII 2.1 §3.4, §3.5; T-130, T-131, T-208, T-211
 */

import { TaxiiHttpError } from './errors.js'
import type { ObjectFilters, PageQuery } from './query.js'
import type { PageInfo } from './resources.js'
import { timestampMinusMicrosecond } from './timestamps.js'

/**
 * Requests pages until the server has no more, yielding each before asking for the next (so a
 * caller can commit one page before the next request goes out).
 *
 * - `next` is followed with the filters of the request that started the chain (T-109), and
 *   always with a `limit`: some servers fail without one. With no limit of the caller's, the
 *   previous page's size is sent: the server chose it.
 * - `more` without `next` continues with `added_after` = `X-TAXII-Date-Added-Last` − 1 µs
 *   (T-130, T-208). A server that pages only by `added_after` and stamps many records with one
 *   `date_added` (as the OASIS server stamps a whole POST) can end a page inside such a tie; the
 *   strict header would skip the tie's remaining records for good. The overlap re-reads the tie
 *   instead (callers store idempotently, T-210). Only when a tie fills a whole page, so that the
 *   overlap would ask for the same page forever, does the loop move on with the strict header.
 * - `more` with an empty page, or with nothing to continue from, ends the run (T-131): the caller
 *   comes back next cycle.
 * - A `next` answered 400 or 404 (expired or unknown, e.g. after the OASIS server's 30 s) restarts
 *   from the last `X-TAXII-Date-Added-Last` − 1 µs, or from the original `added_after` before any
 *   header was seen. The overlap re-reads records that share that `date_added`; callers store
 *   idempotently (T-210). A second such failure without progress in between is thrown.
 */
export async function* pageLoop<P extends PageInfo>(
  fetchPage: (query: PageQuery) => Promise<P>,
  sizeOf: (page: P) => number,
  filters: ObjectFilters & { limit?: number },
): AsyncGenerator<P, void, undefined> {
  const { match, limit } = filters
  let addedAfter = filters.added_after
  let next: string | undefined
  let nextLimit = limit
  let lastSeen: string | undefined
  let restartedFrom: string | undefined
  let overlapped = false

  for (;;) {
    let page: P
    try {
      page = await fetchPage({
        match,
        added_after: addedAfter,
        limit: next === undefined ? limit : nextLimit,
        next,
      })
    } catch (err) {
      if (next === undefined || !(err instanceof TaxiiHttpError)) throw err
      if (err.status !== 400 && err.status !== 404) throw err
      const resume = resumePoint(lastSeen, filters.added_after)
      if (resume === null || resume === restartedFrom) throw err
      restartedFrom = resume
      addedAfter = resume === '' ? undefined : resume
      next = undefined
      continue
    }

    yield page
    const size = sizeOf(page)
    const previous = lastSeen
    if (page.dateAddedLast !== undefined) lastSeen = page.dateAddedLast
    if (!page.more || size === 0) return
    if (page.next !== undefined) {
      next = page.next
      nextLimit = limit ?? size
      overlapped = false
      continue
    }
    const last = page.dateAddedLast
    if (last === undefined) return
    next = undefined
    const stuck = overlapped && last === previous
    const overlap = stuck ? null : resumePoint(last, undefined)
    if (overlap !== null && overlap !== '' && overlap !== addedAfter) {
      addedAfter = overlap
      overlapped = true
    } else if (last !== addedAfter) {
      addedAfter = last
      overlapped = false
    } else return
  }
}

/** Where a restart begins: `''` for the very start, `null` when the header is unreadable. */
function resumePoint(lastSeen: string | undefined, addedAfter: string | undefined): string | null {
  if (lastSeen === undefined) return addedAfter ?? ''
  try {
    return timestampMinusMicrosecond(lastSeen)
  } catch {
    return null
  }
}
