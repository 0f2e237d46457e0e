import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from './database.js'
import { inCollection } from './in-collection.js'
import { refreshNewer } from './newer-added.js'
import { writePendingEnvelope, writeStatus } from './statuses.js'
import {
  apiRootColumns,
  apiRootValues,
  collectionColumns,
  collectionValues,
  taxiiText,
} from './columns.js'
import {
  RepeatedVersionError,
  type ApiRootRecord,
  type CollectionRecord,
  type ExportedCollection,
  type ExportedStatus,
  type ImportObject,
  type ImportWriter,
  type KeysetPosition,
  type TransferObject,
  type TransferStore,
} from './store.js'

/** Rows per export page and per import insert: big enough to amortise a round trip. */
const BATCH = 1000

async function exportObjects(
  trx: Transaction<Database>,
  collection: ExportedCollection,
  visit: (objects: TransferObject[]) => Promise<void>,
): Promise<void> {
  let after: KeysetPosition | undefined
  for (;;) {
    // Qualified names here and below: unqualified, ORDER BY would sort by the text output
    // columns of the same names (pk '10' before '9').
    const { rows } = await sql<TransferObject & { pk: string }>`
      select o.pk::text as pk, ${taxiiText(sql`o.date_added`)} as date_added, o.id, o.type,
        o.spec_version, o.version, o.body
      from objects o
      where ${inCollection('o.collection_pk', collection.pk)} and ${
        after === undefined
          ? sql`true`
          : sql`(o.date_added, o.pk) > (${after.date_added}::timestamptz, ${after.pk}::bigint)`
      }
      order by o.date_added, o.pk
      limit ${BATCH}`.execute(trx)
    const last = rows[rows.length - 1]
    if (last === undefined) return
    await visit(rows.map(({ pk: _pk, ...object }) => object))
    if (rows.length < BATCH) return
    after = last
  }
}

/** Throws RepeatedVersionError if the collection holds a version of an object twice. */
async function refuseRepeatedVersion(
  trx: Transaction<Database>,
  collectionPk: string,
): Promise<void> {
  const { rows } = await sql<{ id: string; version: string; collection: string; root: string }>`
    select r.id, r.version, c.id as collection, a.name as root
    from (
      select id, min(version) as version from objects
      where ${inCollection('collection_pk', collectionPk)}
      group by id, version_key having count(*) > 1
      limit 1) r
    join collections c on c.pk = ${collectionPk}::bigint
    join api_roots a on a.pk = c.api_root_pk`.execute(trx)
  const repeat = rows[0]
  if (repeat !== undefined) {
    throw new RepeatedVersionError(
      `collection ${repeat.collection} of API root ${repeat.root} holds version ${repeat.version} of ${repeat.id} more than once`,
    )
  }
}

interface StatusRow extends ExportedStatus {
  envelope_collection: string | null
  envelope_sub: string | null
  envelope_identities: string[] | null
  envelope_body: string | null
}

function exportedStatus(row: StatusRow): ExportedStatus {
  const {
    envelope_collection: collection,
    envelope_sub: sub,
    envelope_identities: identities,
    envelope_body: body,
    ...status
  } = row
  return collection === null || sub === null || identities === null || body === null
    ? status
    : { ...status, envelope: { collection, sub, identities, body } }
}

function importWriter(trx: Transaction<Database>): ImportWriter {
  return {
    async createApiRoot(root) {
      const row = (await trx
        .insertInto('api_roots')
        .values(apiRootValues(root))
        .onConflict((oc) => oc.column('name').doNothing())
        .returning(apiRootColumns)
        .executeTakeFirst()) as ApiRootRecord | undefined
      if (row?.is_default === true) {
        await trx
          .updateTable('api_roots')
          .set({ is_default: false })
          .where('is_default', '=', true)
          .where(sql<boolean>`pk <> ${row.pk}::bigint`)
          .execute()
      }
      return row
    },

    async createCollection(apiRootPk, c, lastDateAdded) {
      const row = await trx
        .insertInto('collections')
        .values({ ...collectionValues(apiRootPk, c), last_date_added: lastDateAdded })
        .returning(collectionColumns)
        .executeTakeFirstOrThrow()
      return row as CollectionRecord
    },

    async insertObjects(collectionPk, objects) {
      for (let i = 0; i < objects.length; i += BATCH) {
        const batch = objects.slice(i, i + BATCH)
        const col = <K extends keyof ImportObject>(k: K) => batch.map((o) => o[k])
        // Serials follow the ordinality, so rows sharing a date_added page in the given order.
        // Bodies travel as one text joined by U+001E, which JSON text never holds raw: as text[]
        // every quote of every body would be escaped by the driver and unescaped by the server.
        await sql`
          insert into objects
            (collection_pk, id, type, spec_version, version, version_key, date_added, body)
          select ${collectionPk}::bigint, t.id, t.type, t.spec_version, t.version, t.version_key,
            t.date_added, t.body
          from unnest(${col('id')}::text[], ${col('type')}::text[], ${col('spec_version')}::text[],
            ${col('version')}::text[], ${col('version_key')}::text[],
            ${col('date_added')}::timestamptz[],
            string_to_array(${col('body').join('\u001e')}::text, chr(30)))
            with ordinality as t(id, type, spec_version, version, version_key, date_added, body, n)
          order by t.n`.execute(trx)
      }
    },

    async putStatus(s, expiresAt, envelope) {
      await writeStatus(trx, s, sql`${expiresAt}::timestamptz`)
      if (envelope !== undefined) await writePendingEnvelope(trx, s, envelope, sql`'-infinity'`)
    },
  }
}

/** Export and import of whole API roots: see "Import and export" in README.md. */
export function createTransferStore(db: Kysely<Database>): TransferStore {
  return {
    async exportAll(visit) {
      // One snapshot, so the file never holds an object whose collection it lacks, or the like.
      await db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          const roots = (await trx
            .selectFrom('api_roots')
            .select(apiRootColumns)
            .orderBy('api_roots.created_at')
            .orderBy('api_roots.pk')
            .execute()) as ApiRootRecord[]
          for (const api_root of roots) {
            await visit({ kind: 'api_root', api_root })
            const collections = (await trx
              .selectFrom('collections')
              .select([...collectionColumns, taxiiText(sql`last_date_added`).as('last_date_added')])
              .where('api_root_pk', '=', sql<string>`${api_root.pk}::bigint`)
              .orderBy('collections.created_at')
              .orderBy('collections.pk')
              .execute()) as ExportedCollection[]
            for (const collection of collections) {
              await visit({ kind: 'collection', api_root, collection })
              await exportObjects(trx, collection, (objects) =>
                visit({ kind: 'objects', api_root, collection, objects }),
              )
            }
            const { rows: statuses } = await sql<StatusRow>`
              select s.id, s.api_root_pk::text as api_root_pk, s.owner_sub, s.status,
                ${taxiiText(sql`s.request_timestamp`)} as request_timestamp, s.total_count,
                s.success_count, s.failure_count, s.pending_count, s.successes, s.failures,
                s.pendings, ${taxiiText(sql`s.expires_at`)} as expires_at,
                c.id as envelope_collection, p.sub as envelope_sub,
                p.identities as envelope_identities, p.body as envelope_body
              from statuses s
              left join pending_envelopes p on p.api_root_pk = s.api_root_pk and p.status_id = s.id
              left join collections c on c.pk = p.collection_pk
              where s.api_root_pk = ${api_root.pk}::bigint and s.expires_at > clock_timestamp()
              order by s.request_timestamp, s.id`.execute(trx)
            for (const row of statuses) {
              await visit({ kind: 'status', api_root, status: exportedStatus(row) })
            }
          }
        })
    },

    importAll(write) {
      return db.transaction().execute(async (trx) => {
        const filled = new Set<string>()
        const writer = importWriter(trx)
        const result = await write({
          ...writer,
          insertObjects(collectionPk, objects) {
            filled.add(collectionPk)
            return writer.insertObjects(collectionPk, objects)
          },
        })
        for (const collectionPk of filled) {
          await refuseRepeatedVersion(trx, collectionPk)
          await refreshNewer(trx, collectionPk)
        }
        return result
      })
    },
  }
}
