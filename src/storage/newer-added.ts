import { sql, type Transaction } from 'kysely'
import type { Database } from './database.js'
import { inCollection } from './in-collection.js'
import { keysOf, objectKey } from './object-key.js'
import { textArray } from './text-arrays.js'

/**
 * Sets newer_added (0004) of every record of these objects, or of every record of the collection:
 * run under the collection lock by whatever adds or deletes versions of an object already held.
 */
export async function refreshNewer(
  trx: Transaction<Database>,
  collectionPk: string,
  ids?: string[],
): Promise<void> {
  await sql`
    update objects o set newer_added = x.newer
    from (
      select collection_pk, date_added, pk, max(date_added) over (
        partition by id order by spec_version desc, version_key desc
        rows between unbounded preceding and 1 preceding) as newer
      from objects
      where ${inCollection('collection_pk', collectionPk)}
        ${
          ids === undefined
            ? sql``
            : sql`and ${objectKey()} = any(${keysOf(textArray(ids), collectionPk)})
              and id = any(${textArray(ids)})`
        }
    ) x
    where (o.collection_pk, o.date_added, o.pk) = (x.collection_pk, x.date_added, x.pk)
      and o.newer_added is distinct from x.newer`.execute(trx)
}
