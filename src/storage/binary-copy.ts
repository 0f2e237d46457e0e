/**
 * PostgreSQL's COPY binary format, read (pages out) and written (new versions in, see
 * BinaryCopyWriter).
 *
 * Reading the output of `COPY (...) TO STDOUT (FORMAT binary)` without decoding it: a text column
 * comes as its UTF-8 bytes, unescaped, so stored JSON texts can be copied into a response as
 * bytes, straight from the chunks the output arrived in. Reading the same rows as query results
 * turns every text into a JS string first, which was half of the hub's CPU in a full sync (pg row
 * parsing and the garbage collection of 1,000 strings per page).
 */

import { PG_EPOCH_MS } from './taxii-time.js'

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
const TRAILER = -1

export class BinaryCopyError extends Error {}

/**
 * COPY output as it arrived: chunks of bytes, and the spans of them that hold the output, as
 * (chunk, start, end) triples in order. The chunks may hold other bytes between spans (the
 * protocol's message heads, when they are a socket's reads).
 */
export interface CopyData {
  chunks: readonly Buffer[]
  spans: Int32Array
  /** about how many rows it holds, where known: CopyFields sizes its tables by it */
  rowsHint?: number
  /**
   * Gives the chunks back for reuse, where they are lent (copy-out.ts): call it once nothing will
   * read them again.
   */
  release?: () => void
}

/** The whole of `data` as CopyData. */
export const wholeCopyData = (data: Buffer): CopyData => ({
  chunks: [data],
  spans: Int32Array.of(0, 0, data.length),
})

/**
 * The fields of COPY binary output, read where it arrived and never joined: a field is one or
 * more pieces, `[start, end)` of one chunk each, and only a field cut by a span's end has more
 * than one. Every field must be non-null: the queries read this way select NOT NULL columns only.
 */
export class CopyFields {
  /** the number of rows */
  readonly rows: number
  readonly #chunks: readonly Buffer[]
  readonly #width: number
  /** (chunk, start, end) of every piece, field after field */
  readonly #pieces: Int32Array
  /** field i (row r, column f: i = r × width + f) is pieces [first[i], first[i + 1]) */
  readonly #first: Int32Array

  constructor(data: CopyData, width: number) {
    this.#chunks = data.chunks
    this.#width = width
    const read = new SpanCursor(data)
    if (!read.bytes(SIGNATURE.length).equals(SIGNATURE)) {
      throw new BinaryCopyError('not COPY binary output')
    }
    read.int(4)
    read.skip(read.int(4))
    // a field is mostly one piece
    const rowsExpected = (data.rowsHint ?? data.spans.length / 3) + 16
    let pieces = new Int32Array(3 * width * rowsExpected)
    let first = new Int32Array(width * rowsExpected + 1)
    let count = 0
    let fields = 0
    for (;;) {
      const n = read.int(2)
      if (n === TRAILER) break
      if (n !== width) throw new BinaryCopyError(`a row of ${n} fields, not ${width}`)
      for (let f = 0; f < width; f++) {
        const length = read.int(4)
        if (length < 0) throw new BinaryCopyError('a NULL field')
        if (fields + 2 > first.length) first = grown(first)
        first[fields++] = count
        for (let left = length; left > 0; count++) {
          if (3 * count + 3 > pieces.length) pieces = grown(pieces)
          left -= read.piece(left, pieces, 3 * count)
        }
      }
    }
    first[fields] = count
    this.rows = fields / width
    this.#pieces = pieces
    this.#first = first
  }

  /** The byte length of field `f` of row `r`. */
  size(r: number, f: number): number {
    const i = r * this.#width + f
    let size = 0
    for (let p = this.#first[i]!; p < this.#first[i + 1]!; p++) {
      size += this.#pieces[3 * p + 2]! - this.#pieces[3 * p + 1]!
    }
    return size
  }

  /** Copies field `f` of row `r` into `target` at `at`; returns the bytes written. */
  copy(r: number, f: number, target: Buffer, at: number): number {
    const i = r * this.#width + f
    let written = 0
    for (let p = this.#first[i]!; p < this.#first[i + 1]!; p++) {
      const chunk = this.#chunks[this.#pieces[3 * p]!]!
      written += chunk.copy(target, at + written, this.#pieces[3 * p + 1], this.#pieces[3 * p + 2])
    }
    return written
  }

  /** Field `f` of row `r` read as an int8. */
  int8(r: number, f: number): bigint {
    if (this.size(r, f) !== 8) throw new BinaryCopyError('an int8 not 8 bytes')
    const bytes = Buffer.allocUnsafe(8)
    this.copy(r, f, bytes, 0)
    return bytes.readBigInt64BE(0)
  }
}

/** `array` copied into one twice its length. */
export function grown(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2)
  bigger.set(array)
  return bigger
}

/** Reads across the spans of COPY output; a value cut by a span's end is read byte by byte. */
class SpanCursor {
  readonly #chunks: readonly Buffer[]
  readonly #spans: Int32Array
  #span = -3
  #chunk = 0
  #bytes: Buffer = Buffer.alloc(0)
  #at = 0
  #end = 0

  constructor(data: CopyData) {
    this.#chunks = data.chunks
    this.#spans = data.spans
  }

  /** steps, if the current span is spent, to the next with bytes left; fails past the end */
  #ready(): void {
    while (this.#at >= this.#end) {
      this.#span += 3
      if (this.#span >= this.#spans.length) {
        throw new BinaryCopyError('COPY binary output cut short')
      }
      this.#chunk = this.#spans[this.#span]!
      this.#bytes = this.#chunks[this.#chunk]!
      this.#at = this.#spans[this.#span + 1]!
      this.#end = this.#spans[this.#span + 2]!
    }
  }

  #byte(): number {
    this.#ready()
    return this.#bytes[this.#at++]!
  }

  /** a big-endian signed integer of 2 or 4 bytes */
  int(bytes: 2 | 4): number {
    // rows often start a span of their own (PostgreSQL sends each row as one CopyData message)
    this.#ready()
    if (this.#at + bytes <= this.#end) {
      const at = this.#at
      const b = this.#bytes
      this.#at += bytes
      // by hand: Buffer#readInt32BE's checks made reading a page of 1,000 rows 20% slower
      return bytes === 2
        ? ((b[at]! << 24) | (b[at + 1]! << 16)) >> 16
        : (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!
    }
    let value = 0
    for (let i = 0; i < bytes; i++) value = value * 256 + this.#byte()
    return value >= 2 ** (8 * bytes - 1) ? value - 2 ** (8 * bytes) : value
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = this.#byte()
    return out
  }

  skip(n: number): void {
    if (n < 0) throw new BinaryCopyError('a negative header extension length')
    for (let left = n; left > 0;) {
      this.#ready()
      const step = Math.min(left, this.#end - this.#at)
      this.#at += step
      left -= step
    }
  }

  /**
   * Up to `n` bytes (n > 0) from the current span, as (chunk, start, end) written into `out` at
   * `i`; returns how many.
   */
  piece(n: number, out: Int32Array, i: number): number {
    this.#ready()
    const taken = Math.min(n, this.#end - this.#at)
    out[i] = this.#chunk
    out[i + 1] = this.#at
    out[i + 2] = this.#at + taken
    this.#at += taken
    return taken
  }
}

const HEADER_SIZE = SIGNATURE.length + 8

/** Refuses a value an int8 field cannot be written from exactly, before anything is written. */
function safeInteger(value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`)
}

/** A timestamptz's binary value (µs since 2000) for microseconds since the Unix epoch, checked. */
function pgMicroseconds(unixMicroseconds: number): number {
  const value = unixMicroseconds - PG_EPOCH_MS * 1000
  safeInteger(value)
  return value
}

const TWO_32 = 2 ** 32

/**
 * Rows for `COPY … FROM STDIN (FORMAT binary)`, written field by field into one Buffer: a text
 * goes as its UTF-8 bytes after its length, so stored JSON texts need no escaping (the text
 * format would double every backslash) and the server parses no array or timestamp literal.
 */
export class BinaryCopyWriter {
  #out: Buffer
  #at: number

  /**
   * `estimate`: the bytes the rows are expected to take; the buffer grows past it if need be.
   * `memory`: a buffer to write them into if large enough (one `memory` gave back for reuse).
   */
  constructor(estimate: number, memory?: Buffer) {
    const size = HEADER_SIZE + Math.max(estimate, 64)
    this.#out = memory !== undefined && memory.length >= size ? memory : Buffer.allocUnsafe(size)
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

  /** a text field, from a string or its UTF-8 bytes */
  text(value: string | Buffer): this {
    if (typeof value !== 'string') {
      this.#reserve(4 + value.length)
      this.#out.writeInt32BE(value.length, this.#at)
      this.#at += 4 + value.copy(this.#out, this.#at + 4)
      return this
    }
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
    safeInteger(value)
    this.#int8At(this.#eightBytes(), value)
    return this
  }

  /** a timestamptz given as microseconds since the Unix epoch */
  timestamptz(unixMicroseconds: number): this {
    const value = pgMicroseconds(unixMicroseconds)
    this.#int8At(this.#eightBytes(), value)
    return this
  }

  /** a timestamptz field whose value setTimestamptz writes later: where it is */
  timestamptzSlot(): number {
    return this.#eightBytes()
  }

  /** The value of the timestamptz field at `slot`, as microseconds since the Unix epoch. */
  setTimestamptz(slot: number, unixMicroseconds: number): void {
    this.#int8At(slot, pgMicroseconds(unixMicroseconds))
  }

  /** a field of 8 bytes, their value unwritten: where they are */
  #eightBytes(): number {
    this.#reserve(12)
    this.#at = this.#out.writeInt32BE(8, this.#at)
    this.#at += 8
    return this.#at - 8
  }

  #int8At(at: number, value: number): void {
    const high = Math.floor(value / TWO_32)
    this.#out.writeInt32BE(high, at)
    this.#out.writeUInt32BE(value - high * TWO_32, at + 4)
  }

  /** The buffer the rows are written in, to be used again once they have been read. */
  get memory(): Buffer {
    return this.#out
  }

  /** The rows written, with the trailer. The writer is spent. */
  end(): Buffer {
    this.#reserve(2)
    this.#at = this.#out.writeInt16BE(TRAILER, this.#at)
    return this.#out.subarray(0, this.#at)
  }
}
