import { sql, type RawBuilder } from 'kysely'

/** Column lists and SQL fragments shared by the store and the import/export queries. */

/** TAXII timestamp text (6 fractional digits, Z) of a timestamptz column, computed in SQL. */
export const taxiiText = (column: RawBuilder<unknown>): RawBuilder<string> =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

export const apiRootColumns = [
  sql`pk::text`.as('pk'),
  'name',
  'title',
  'description',
  'versions',
  sql`max_content_length::float8`.as('max_content_length'),
  'is_default',
  'builtin',
] as const

export const collectionColumns = [
  sql`pk::text`.as('pk'),
  sql`api_root_pk::text`.as('api_root_pk'),
  'id',
  'alias',
  'title',
  'description',
  'can_read',
  'can_write',
  'media_types',
  'require_attribution',
  'builtin',
] as const
