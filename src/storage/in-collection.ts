import { sql, type RawBuilder } from 'kysely'

/**
 * The condition that keeps a query on `objects` to one collection, with the collection's pk as an
 * InitPlan parameter whose value the planner cannot see. Shown the value, PostgreSQL estimates
 * from the last ANALYZE, which knew nothing of a collection filled since: it took one for a
 * single row and read all of it for every id probed (the page index, objects_pkey since 0014,
 * with `id = u.id` as a filter, 6.1 s for one envelope of 1,000 into a collection of 40,000 rows;
 * auto_explain), or the whole version index for `date_added > $t` (111 ms at 100,000 rows,
 * 0.04 ms by the page index).
 * Unseen, the value counts as an average collection, never as one row, and the index that
 * matches the query's other conditions wins whatever the statistics say about this collection.
 */
export const inCollection = (column: string, collectionPk: string): RawBuilder<boolean> =>
  sql<boolean>`${sql.ref(column)} = (select ${collectionPk}::bigint)`
