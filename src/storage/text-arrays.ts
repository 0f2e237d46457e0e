import { sql, type RawBuilder } from 'kysely'

/** The record separator, which joins the values of one column into one parameter. */
const RS_CHAR = '\u001e'

/** A text[] parameter sent as one text joined by RS and split by the server. */
const joinedArray = (joined: string | Buffer): RawBuilder<string[]> =>
  sql`string_to_array(${joined}::text, chr(30))`

/**
 * A text[] parameter: a text[] literal has every quote and backslash escaped by the driver and
 * unescaped again by the server, so values go joined by RS unless one holds RS itself (which no
 * checked id, type, version or stamp does).
 */
export const textArray = (values: string[]): RawBuilder<string[]> =>
  values.some((v) => v.includes(RS_CHAR))
    ? sql`${values}::text[]`
    : joinedArray(values.join(RS_CHAR))
