/**
 * Read-ahead leases (0013): a hub that serves pages read ahead without asking the database whether
 * anything was removed since holds a lease on the collection, and a removal answers only once the
 * leases other holders have on its collection have run out.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { sql, type Kysely } from 'kysely'
import type { Database } from './database.js'

/**
 * How long a hub's lease lasts; it renews one after half of that. A removal through another
 * process waits at most that long, and only while a hub is reading ahead from its collection.
 */
export const READ_AHEAD_LEASE_MS = 1000

/**
 * Added to every wait for leases, for timers that fire early by up to a millisecond and for
 * clocks of two machines that tick at rates a few hundred parts per million apart.
 */
const WAIT_MARGIN_MS = 10

/**
 * Leases the collection to `holder` for `ms` from now by the database's clock. The holder may
 * count on it from before it sent this until `ms` later, less a margin, by its own clock.
 */
export async function leaseReadAhead(
  db: Kysely<Database>,
  collectionPk: string,
  holder: string,
  ms: number,
): Promise<void> {
  // the leases of hubs gone long ago go when the collection is leased again
  await sql`with gone as (
      delete from read_ahead_leases
      where collection_pk = ${collectionPk}::bigint and until < clock_timestamp() - interval '1 hour')
    insert into read_ahead_leases (collection_pk, holder, until)
    values (${collectionPk}::bigint, ${holder}, clock_timestamp() + ${ms} * interval '1 millisecond')
    on conflict (collection_pk, holder) do update set until = excluded.until`.execute(db)
}

/**
 * Waits until the leases that holders other than `holder` have on the collection have run out, as
 * a removal from it must once it has committed, before it is answered.
 */
export async function leasesRunOut(
  db: Kysely<Database>,
  collectionPk: string,
  holder: string,
): Promise<void> {
  let ms: number | null | undefined
  try {
    const { rows } = await sql<{ ms: number | null }>`
      select (extract(epoch from max(until) - clock_timestamp()) * 1000)::float8 as ms
      from read_ahead_leases
      where collection_pk = ${collectionPk}::bigint and holder <> ${holder}`.execute(db)
    ms = rows[0]?.ms
  } catch {
    // the removal has committed and is answered: not knowing the leases, wait as long as one runs
    ms = READ_AHEAD_LEASE_MS
  }
  if (ms != null && ms > -WAIT_MARGIN_MS) await sleep(ms + WAIT_MARGIN_MS)
}
