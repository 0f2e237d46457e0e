/**
 * `COPY … TO STDOUT` through node-postgres, its output gathered into reusable blocks.
 *
 * A page of objects arrives as ~1,000 CopyData messages in ~30 socket reads. pg-copy-streams
 * re-assembled every chunk's message contents into a fresh zero-filled Buffer and pushed it
 * through a stream, which cost the hub 0.7 ms of a 3.2 ms page. Here each socket read's run of
 * CopyData messages is copied as it arrives, message heads and all, into blocks from a CopyBlocks
 * (copy-blocks.ts), reading the socket's own buffer where it lends it (pg-socket.ts), and the
 * spans of the blocks that hold the messages' contents are noted; CopyFields reads the rows from
 * those spans, and the blocks go back once the page is written. One copy per read rather than
 * per message: Node 20's Buffer#copy makes a view of its source on every call, ~60 of the ~105 ns
 * it took to copy a 770-byte row.
 *
 * It drives the connection as pg-copy-streams does: as a submittable query it takes over the
 * socket's 'data' events from node-postgres once the statement is sent, and hands back the bytes
 * from CopyDone on (CommandComplete, ReadyForQuery) or from an ErrorResponse on, which
 * node-postgres then reads as it would for any query.
 */

import type pg from 'pg'
import { grown, type CopyData } from './binary-copy.js'
import type { CopyBlocks } from './copy-blocks.js'
import { borrowing } from './pg-socket.js'

const COPY_DATA = 0x64 // 'd'
const COPY_DONE = 0x63 // 'c'
const ERROR_RESPONSE = 0x45 // 'E'

type DataListener = (chunk: Buffer) => void

/** What node-postgres hands a submittable: its connection, with the socket as `stream`. */
interface Connection {
  stream: NodeJS.EventEmitter
  query(text: string): void
}

/**
 * Runs `text`, a `COPY … TO STDOUT`, on `client` and returns its output in blocks of `blocks`,
 * which its `release` gives back.
 */
export function copyOut(
  client: pg.ClientBase,
  text: string,
  blocks: CopyBlocks,
): Promise<CopyData> {
  return new Promise((resolve, reject) => {
    client.query(new CopyOutQuery(text, blocks, resolve, reject))
  })
}

class CopyOutQuery {
  readonly #text: string
  readonly #pool: CopyBlocks
  readonly #resolve: (data: CopyData) => void
  readonly #reject: (error: Error) => void
  #stream: NodeJS.EventEmitter | undefined
  #pgListener: DataListener | undefined
  readonly #listener = borrowing((chunk) => this.#read(chunk))

  readonly #blocks: Buffer[] = []
  /** bytes used of the last block */
  #used = 0
  /** (block, start, end) of the messages' contents in the blocks, #spanCount of them */
  #spans = new Int32Array(3 * 256)
  #spanCount = 0
  /** [start, end) in the chunk being read of the contents still to copy, #pieceCount of them */
  #pieces = new Int32Array(2 * 64)
  #pieceCount = 0
  /** CopyData messages: PostgreSQL sends the header, each row and the trailer as one each */
  #messages = 0

  /** the message being read: its code and the bytes of it still to come */
  #code = 0
  #left = 0
  /** a message head (code and length) cut by a chunk's end */
  readonly #head = Buffer.alloc(5)
  #headBytes = 0

  constructor(
    text: string,
    pool: CopyBlocks,
    resolve: (data: CopyData) => void,
    reject: (error: Error) => void,
  ) {
    this.#text = text
    this.#pool = pool
    this.#resolve = resolve
    this.#reject = reject
  }

  /**
   * Called by node-postgres when the connection is this query's. An error returned instead of
   * sending the statement fails this query alone, and the connection stays usable.
   */
  submit(connection: Connection): Error | undefined {
    const stream = connection.stream
    const listeners = stream.listeners('data') as DataListener[]
    if (listeners.length !== 1) {
      return new Error(`COPY out expects one reader of the connection, found ${listeners.length}`)
    }
    this.#stream = stream
    this.#pgListener = listeners[0]
    stream.removeListener('data', this.#pgListener!)
    stream.on('data', this.#listener)
    connection.query(this.#text)
    return undefined
  }

  /** `chunk` may be the socket's own buffer: nothing of it is kept past this call */
  #read(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.#left > 0) {
        const end = Math.min(chunk.length, at + this.#left)
        if (this.#code === COPY_DATA) this.#note(at, end)
        this.#left -= end - at
        at = end
        continue
      }
      if (this.#headBytes === 0 && chunk[at] === ERROR_RESPONSE) return this.#handBack(chunk, at)
      if (this.#headBytes === 0 && at + 5 <= chunk.length) {
        this.#code = chunk[at]!
        this.#left = chunk.readInt32BE(at + 1) - 4
        at += 5
      } else {
        this.#head[this.#headBytes++] = chunk[at++]!
        if (this.#headBytes < 5) continue
        this.#headBytes = 0
        this.#code = this.#head[0]!
        this.#left = this.#head.readInt32BE(1) - 4
      }
      if (this.#code === COPY_DATA) this.#messages++
      if (this.#left === 0 && this.#code === COPY_DONE) {
        this.#keep(chunk)
        return this.#handBack(chunk, at)
      }
    }
    this.#keep(chunk)
  }

  /** Notes `[start, end)` of the chunk being read as contents to keep. */
  #note(start: number, end: number): void {
    if (2 * this.#pieceCount + 2 > this.#pieces.length) this.#pieces = grown(this.#pieces)
    this.#pieces[2 * this.#pieceCount] = start
    this.#pieces[2 * this.#pieceCount + 1] = end
    this.#pieceCount++
  }

  /**
   * Copies the run of `chunk` from the first noted piece to the last after the output kept so
   * far, as few copies as the blocks allow, and notes where each piece landed.
   */
  #keep(chunk: Buffer): void {
    const count = this.#pieceCount
    if (count === 0) return
    const pieces = this.#pieces
    const runEnd = pieces[2 * count - 1]!
    let from = pieces[0]!
    let p = 0
    while (from < runEnd) {
      if (this.#blocks.length === 0 || this.#used === this.#pool.blockBytes) {
        this.#blocks.push(this.#pool.take())
        this.#used = 0
      }
      const block = this.#blocks.length - 1
      const to = Math.min(runEnd, from + this.#pool.blockBytes - this.#used)
      chunk.copy(this.#blocks[block]!, this.#used, from, to)
      // the block offset of a chunk offset in [from, to)
      const shift = this.#used - from
      for (; p < count; p++) {
        const start = Math.max(pieces[2 * p]!, from)
        const end = Math.min(pieces[2 * p + 1]!, to)
        if (start < end) this.#span(block, start + shift, end + shift)
        if (pieces[2 * p + 1]! > to) break
      }
      this.#used += to - from
      from = to
    }
    this.#pieceCount = 0
  }

  /** Adds a span of contents, joined to the one before where it goes on from it. */
  #span(block: number, start: number, end: number): void {
    const last = 3 * (this.#spanCount - 1)
    if (last >= 0 && this.#spans[last] === block && this.#spans[last + 2] === start) {
      this.#spans[last + 2] = end
      return
    }
    if (3 * this.#spanCount + 3 > this.#spans.length) this.#spans = grown(this.#spans)
    const at = 3 * this.#spanCount++
    this.#spans[at] = block
    this.#spans[at + 1] = start
    this.#spans[at + 2] = end
  }

  /** Gives the socket back to node-postgres with the bytes from `at` on, which are its to read. */
  #handBack(chunk: Buffer, at: number): void {
    const stream = this.#stream!
    const pgListener = this.#pgListener!
    stream.removeListener('data', this.#listener)
    stream.on('data', pgListener)
    // a copy: node-postgres may keep it, and the chunk may be the socket's buffer
    if (at < chunk.length) pgListener(Buffer.from(chunk.subarray(at)))
  }

  handleCommandComplete(): void {}

  /** The statement is over: its output is complete unless an error came instead of it. */
  handleReadyForQuery(): void {
    const blocks = this.#blocks
    let released = false
    this.#resolve({
      chunks: blocks,
      spans: this.#spans.subarray(0, 3 * this.#spanCount),
      rowsHint: this.#messages,
      release: () => {
        if (!released) this.#pool.give(blocks)
        released = true
      },
    })
  }

  handleError(error: Error): void {
    this.#reject(error)
  }
}
