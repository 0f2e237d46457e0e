import { sql, type RawBuilder } from 'kysely'

/**
 * The key objects_key_idx (0012) finds a collection's records of an object by: a 64-bit hash of
 * the object's id seeded with the collection's pk. PostgreSQL uses the index only for a condition
 * on this very expression over an objects row (`alias` that row's name in the query, none for the
 * table itself), and two ids can share a key, so every such condition also compares the id.
 */
export const objectKey = (alias?: string): RawBuilder<string> =>
  alias === undefined
    ? sql`hashtextextended(id, collection_pk)`
    : sql`hashtextextended(${sql.ref(`${alias}.id`)}, ${sql.ref(`${alias}.collection_pk`)})`

/** The key of the object id `id` (an expression) in the collection `collectionPk`. */
export const keyOf = (id: RawBuilder<unknown>, collectionPk: string): RawBuilder<string> =>
  sql`hashtextextended(${id}, (select ${collectionPk}::bigint))`

/** The keys of the object ids `ids` (a text[] expression) in the collection `collectionPk`. */
export const keysOf = (ids: RawBuilder<unknown>, collectionPk: string): RawBuilder<string[]> =>
  sql`array(select ${keyOf(sql`x`, collectionPk)} from unnest(${ids}) x)`
