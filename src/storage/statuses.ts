import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely'
import type { Database } from './database.js'
import type { PendingEnvelope, StatusRecord } from './store.js'

/**
 * Writes a status resource, replacing the one of the same id (a pending one being finished), to
 * expire at `expiresAt`.
 */
export async function writeStatus(
  db: Kysely<Database> | Transaction<Database>,
  s: StatusRecord,
  expiresAt: RawBuilder<unknown>,
): Promise<void> {
  await statusUpsert(s, expiresAt).execute(db)
}

/** The statement of writeStatus, to run alone or as part of another. */
export function statusUpsert(s: StatusRecord, expiresAt: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    insert into statuses (id, api_root_pk, owner_sub, status, request_timestamp, total_count,
      success_count, failure_count, pending_count, successes, failures, pendings, expires_at)
    values (${s.id}, ${s.api_root_pk}::bigint, ${s.owner_sub}, ${s.status},
      ${s.request_timestamp}::timestamptz, ${s.total_count}, ${s.success_count},
      ${s.failure_count}, ${s.pending_count}, ${JSON.stringify(s.successes)}::json,
      ${JSON.stringify(s.failures)}::json, ${JSON.stringify(s.pendings)}::json,
      ${expiresAt})
    on conflict (api_root_pk, id) do update set status = excluded.status,
      total_count = excluded.total_count, success_count = excluded.success_count,
      failure_count = excluded.failure_count, pending_count = excluded.pending_count,
      successes = excluded.successes, failures = excluded.failures,
      pendings = excluded.pendings, expires_at = excluded.expires_at`
}

/** Keeps a pending status's envelope until a hub stores it; `claimedUntil` is its lease (0005). */
export async function writePendingEnvelope(
  trx: Transaction<Database>,
  s: StatusRecord,
  envelope: PendingEnvelope,
  claimedUntil: RawBuilder<unknown>,
): Promise<void> {
  await sql`
    insert into pending_envelopes
      (api_root_pk, status_id, collection_pk, sub, identities, body, claimed_until)
    values (${s.api_root_pk}::bigint, ${s.id}, ${envelope.collection_pk}::bigint,
      ${envelope.sub}, ${JSON.stringify(envelope.identities)}::jsonb, ${envelope.body},
      ${claimedUntil})`.execute(trx)
}

/** Forgets the envelope of a pending status, once that status is final. */
export const envelopeRelease = (s: Pick<StatusRecord, 'api_root_pk' | 'id'>): RawBuilder<unknown> =>
  sql`delete from pending_envelopes
    where api_root_pk = ${s.api_root_pk}::bigint and status_id = ${s.id}`
