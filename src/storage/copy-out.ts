/**
 * `COPY … TO STDOUT` through node-postgres, kept as the socket delivered it.
 *
 * A page of objects arrives as ~1,000 CopyData messages in ~12 socket chunks. pg-copy-streams
 * re-assembled every chunk's message contents into a fresh zero-filled Buffer and pushed it
 * through a stream, which cost the hub 0.7 ms of a 3.2 ms page. Here the socket's chunks are kept
 * as they are and the messages' contents are only located (`CopyData.spans`); CopyFields reads
 * the rows from there and the bodies are copied once, into the response.
 *
 * It drives the connection as pg-copy-streams does: as a submittable query it takes over the
 * socket's 'data' events from node-postgres once the statement is sent, and hands back the bytes
 * from CopyDone on (CommandComplete, ReadyForQuery) or from an ErrorResponse on, which
 * node-postgres then reads as it would for any query.
 */

import type pg from 'pg'
import { grown, type CopyData } from './binary-copy.js'

const COPY_DATA = 0x64 // 'd'
const COPY_DONE = 0x63 // 'c'
const ERROR_RESPONSE = 0x45 // 'E'

type DataListener = (chunk: Buffer) => void

/** What node-postgres hands a submittable: its connection, with the socket as `stream`. */
interface Connection {
  stream: NodeJS.EventEmitter
  query(text: string): void
}

/** Runs `text`, a `COPY … TO STDOUT`, on `client` and returns its output where it arrived. */
export function copyOut(client: pg.ClientBase, text: string): Promise<CopyData> {
  return new Promise((resolve, reject) => {
    client.query(new CopyOutQuery(text, resolve, reject))
  })
}

class CopyOutQuery {
  readonly #text: string
  readonly #resolve: (data: CopyData) => void
  readonly #reject: (error: Error) => void
  #stream: NodeJS.EventEmitter | undefined
  #pgListener: DataListener | undefined
  readonly #listener: DataListener = (chunk) => this.#read(chunk)

  readonly #chunks: Buffer[] = []
  #spans = new Int32Array(3 * 32)
  #count = 0

  /** the message being read: its code and the bytes of it still to come */
  #code = 0
  #left = 0
  /** a message head (code and length) cut by a chunk's end */
  readonly #head = Buffer.alloc(5)
  #headBytes = 0

  constructor(text: string, resolve: (data: CopyData) => void, reject: (error: Error) => void) {
    this.#text = text
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

  #read(chunk: Buffer): void {
    const c = this.#chunks.push(chunk) - 1
    let at = 0
    while (at < chunk.length) {
      if (this.#left > 0) {
        const end = Math.min(chunk.length, at + this.#left)
        if (this.#code === COPY_DATA) this.#span(c, at, end)
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
      if (this.#left === 0 && this.#code === COPY_DONE) return this.#handBack(chunk, at)
    }
  }

  #span(chunk: number, start: number, end: number): void {
    if (3 * this.#count + 3 > this.#spans.length) this.#spans = grown(this.#spans)
    const i = 3 * this.#count++
    this.#spans[i] = chunk
    this.#spans[i + 1] = start
    this.#spans[i + 2] = end
  }

  /** Gives the socket back to node-postgres with the bytes from `at` on, which are its to read. */
  #handBack(chunk: Buffer, at: number): void {
    const stream = this.#stream!
    const pgListener = this.#pgListener!
    stream.removeListener('data', this.#listener)
    stream.on('data', pgListener)
    if (at < chunk.length) pgListener(chunk.subarray(at))
  }

  handleCommandComplete(): void {}

  /** The statement is over: its output is complete unless an error came instead of it. */
  handleReadyForQuery(): void {
    this.#resolve({ chunks: this.#chunks, spans: this.#spans.subarray(0, 3 * this.#count) })
  }

  handleError(error: Error): void {
    this.#reject(error)
  }
}
