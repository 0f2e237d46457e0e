/**
 * PostgreSQL's COPY binary format, read (pages out) and written (new versions in, see
 * BinaryCopyWriter).
 *
 * Reading the output of `COPY (...) TO STDOUT (FORMAT binary)` without decoding it: a text column
 * comes as its UTF-8 bytes, unescaped, so stored JSON texts can be copied into a response as
 * bytes. Reading the same rows as query results turns every text into a JS string first, which
 * was half of the hub's CPU in a full sync (pg row parsing and the garbage collection of 1,000
 * strings per page).
 */

import { PG_EPOCH_MS } from './taxii-time.js'

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

const HEADER_SIZE = SIGNATURE.length + 8
const TWO_32 = 2 ** 32

/**
 * Rows for `COPY … FROM STDIN (FORMAT binary)`, written field by field into one Buffer: a text
 * goes as its UTF-8 bytes after its length, so stored JSON texts need no escaping (the text
 * format would double every backslash) and the server parses no array or timestamp literal.
 */
export class BinaryCopyWriter {
  #out: Buffer
  #at: number

  /** `estimate`: the bytes the rows are expected to take; the buffer grows past it if need be */
  constructor(estimate: number) {
    this.#out = Buffer.allocUnsafe(HEADER_SIZE + Math.max(estimate, 64))
    this.#at = SIGNATURE.copy(this.#out, 0)
    this.#at = this.#out.writeInt32BE(0, this.#at)
    this.#at = this.#out.writeInt32BE(0, this.#at)
  }

  #reserve(bytes: number): void {
    if (this.#at + bytes <= this.#out.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#out.length * 2, this.#at + bytes))
    this.#out.copy(grown, 0, 0, this.#at)
    this.#out = grown
  }

  row(fields: number): this {
    this.#reserve(2)
    this.#at = this.#out.writeInt16BE(fields, this.#at)
    return this
  }

  text(value: string): this {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the exact size is counted only near the end
    if (this.#at + 4 + value.length * 3 > this.#out.length) {
      this.#reserve(4 + Buffer.byteLength(value))
    }
    const length = this.#out.write(value, this.#at + 4)
    this.#out.writeInt32BE(length, this.#at)
    this.#at += 4 + length
    return this
  }

  /** an int8 given as a safe integer */
  int8(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`)
    this.#reserve(12)
    const high = Math.floor(value / TWO_32)
    this.#at = this.#out.writeInt32BE(8, this.#at)
    this.#at = this.#out.writeInt32BE(high, this.#at)
    this.#at = this.#out.writeUInt32BE(value - high * TWO_32, this.#at)
    return this
  }

  /** a timestamptz given as microseconds since the Unix epoch */
  timestamptz(unixMicroseconds: number): this {
    return this.int8(unixMicroseconds - PG_EPOCH_MS * 1000)
  }

  /** The rows written, with the trailer. The writer is spent. */
  end(): Buffer {
    this.#reserve(2)
    this.#at = this.#out.writeInt16BE(TRAILER, this.#at)
    return this.#out.subarray(0, this.#at)
  }
}
