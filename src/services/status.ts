import type { StatusRecord } from '../storage/store.js'

/** The TAXII status resource (§4.3.1); empty detail lists are omitted (T-085). */
export function statusResource(s: StatusRecord) {
  return {
    id: s.id,
    status: s.status,
    request_timestamp: s.request_timestamp,
    total_count: s.total_count,
    success_count: s.success_count,
    ...(s.successes.length > 0 && { successes: s.successes }),
    failure_count: s.failure_count,
    ...(s.failures.length > 0 && { failures: s.failures }),
    pending_count: s.pending_count,
    ...(s.pendings.length > 0 && { pendings: s.pendings }),
  }
}
