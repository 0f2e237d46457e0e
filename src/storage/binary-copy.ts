/**
 * Reading the output of `COPY (...) TO STDOUT (FORMAT binary)` without decoding it: a text column
 * comes as its UTF-8 bytes, unescaped, so stored JSON texts can be copied into a response as
 * bytes. Reading the same rows as query results turns every text into a JS string first, which
 * was half of the hub's CPU in a full sync (pg row parsing and the garbage collection of 1,000
 * strings per page).
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
const TRAILER = -1

export class BinaryCopyError extends Error {}

/**
 * The fields of every row, as `[start, end)` byte offsets into `data`, `fields` pairs per row,
 * row after row. Every field must be non-null: the queries read this way select NOT NULL
 * columns only.
 */
export function binaryCopyFields(data: Buffer, fields: number): Int32Array {
  if (data.length < 19 || !data.subarray(0, 11).equals(SIGNATURE)) {
    throw new BinaryCopyError('not COPY binary output')
  }
  let at = 15 + 4 + data.readInt32BE(15)
  const offsets: number[] = []
  for (;;) {
    if (at + 2 > data.length) throw new BinaryCopyError('COPY binary output ends without trailer')
    const count = data.readInt16BE(at)
    at += 2
    if (count === TRAILER) break
    if (count !== fields) throw new BinaryCopyError(`a row of ${count} fields, not ${fields}`)
    for (let f = 0; f < fields; f++) {
      if (at + 4 > data.length) throw new BinaryCopyError('COPY binary output cut in a row')
      const length = data.readInt32BE(at)
      at += 4
      if (length < 0) throw new BinaryCopyError('a NULL field')
      if (at + length > data.length) throw new BinaryCopyError('COPY binary output cut in a field')
      offsets.push(at, at + length)
      at += length
    }
  }
  return Int32Array.from(offsets)
}
