import { sql, type RawBuilder } from 'kysely'
import { TAXII_MEDIA_TYPE } from '../media-types.js'
import type { NewApiRoot, NewCollection } from './store.js'

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

/** The row written for a new API root, by the store and by imports alike. */
export const apiRootValues = (root: NewApiRoot) => ({
  name: root.name,
  title: root.title,
  description: root.description ?? null,
  versions: JSON.stringify(root.versions ?? [TAXII_MEDIA_TYPE]),
  max_content_length: root.max_content_length,
  is_default: root.is_default ?? false,
  builtin: root.builtin ?? false,
})

/** The row written for a new collection, by the store and by imports alike. */
export const collectionValues = (apiRootPk: string, c: NewCollection) => ({
  api_root_pk: sql<string>`${apiRootPk}::bigint`,
  id: c.id,
  alias: c.alias ?? null,
  title: c.title,
  description: c.description ?? null,
  can_read: c.can_read,
  can_write: c.can_write,
  media_types: JSON.stringify(c.media_types),
  require_attribution: c.require_attribution ?? false,
  builtin: c.builtin ?? false,
})
