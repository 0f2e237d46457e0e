/**
 * Posts and COPY rows written to files before the phase that sends them. Generating the objects
 * while a phase was timed cost the bench's posters 5.0-5.7 ms of CPU per envelope of 1,000, on the
 * two cores the hub and PostgreSQL share with it; reading a prepared envelope back from the page
 * cache costs 1.8-2.0 ms with the post and its reply. Alternated 200,000-object ingests into one
 * hub build: 29,359, 31,777 and 33,839 objects/s generating, 36,468, 35,125 and 36,209 prepared.
 * A partner's tools run on machines of their own; the raw COPY baseline reads prepared rows too.
 *
 * Each file is flushed to disk before it is used: the kernel writes dirty pages back ~30 s after
 * they were written (vm.dirty_expire_centisecs), which would fall within the phase that reads the
 * file, beside PostgreSQL's own writes, ~800 MB of them at 1,000,000 objects.
 */
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENVELOPE, EnvelopeWriter, objectId, objectText } from './stix.js'

/** Where prepared files go: one directory per bench run, removed by `removePrepared`. */
let directory: string | undefined

/** Bytes a prepared file takes per object, at most: texts average ~770 bytes, rows ~850. */
const BYTES_PER_OBJECT = 900

/** Room left free beside a prepared file. */
const SPARE_BYTES = 64 * 1024 * 1024

/**
 * Refuses, saying where and how much, a prepared file of `objects` objects in `dir` when its disk
 * has no room for it: a full disk would otherwise fail the run halfway, or starve PostgreSQL on
 * the same disk.
 */
export function checkRoom(dir: string, objects: number): void {
  const { bavail, bsize } = statfsSync(dir)
  const needed = objects * BYTES_PER_OBJECT + SPARE_BYTES
  if (bavail * bsize < needed) {
    const mb = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MB`
    throw new Error(
      `the bench writes what it sends to ${dir} first, and needs ${mb(needed)} free there for ` +
        `${objects} objects; ${mb(bavail * bsize)} are free. Point TMPDIR at a disk with room.`,
    )
  }
}

/** The path of a new prepared file for `objects` objects, once there is room for it. */
function preparedPath(name: string, objects: number): string {
  directory ??= mkdtempSync(join(tmpdir(), 'hydrawatch-bench-'))
  checkRoom(directory, objects)
  return join(directory, name)
}

/** Removes every file prepared in this run. */
export function removePrepared(): void {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true })
  directory = undefined
}

/** A buffer a poster reads envelopes into, grown as needed. */
export interface ReadBuffer {
  bytes: Buffer
}

export const readBuffer = (): ReadBuffer => ({ bytes: Buffer.allocUnsafe(1 << 20) })

/** The envelopes of objects [first, first + objects), ENVELOPE per envelope, in one file. */
export class PreparedEnvelopes {
  readonly objects: number
  readonly #path: string
  readonly #fd: number
  /** where envelope k starts in the file: ends[k - 1], or 0 */
  readonly #ends: number[] = []

  constructor(first: number, objects: number) {
    this.objects = objects
    this.#path = preparedPath(`envelopes-${first}-${objects}`, objects)
    this.#fd = openSync(this.#path, 'w+')
    const writer = new EnvelopeWriter()
    let at = 0
    for (let k = 0; k * ENVELOPE < objects; k++) {
      const body = writer.write(first + k * ENVELOPE, Math.min(ENVELOPE, objects - k * ENVELOPE))
      writeSync(this.#fd, body, 0, body.length, at)
      at += body.length
      this.#ends.push(at)
    }
    fsyncSync(this.#fd)
  }

  get envelopes(): number {
    return this.#ends.length
  }

  /** The objects in envelope k. */
  size(k: number): number {
    return Math.min(ENVELOPE, this.objects - k * ENVELOPE)
  }

  /** Envelope k, read into `into`: valid until the next read into it. */
  read(k: number, into: ReadBuffer): Buffer {
    const start = k === 0 ? 0 : this.#ends[k - 1]!
    const length = this.#ends[k]! - start
    if (into.bytes.length < length) into.bytes = Buffer.allocUnsafe(length)
    if (readSync(this.#fd, into.bytes, 0, length, start) !== length) {
      throw new Error(`${this.#path}: envelope ${k} was cut short`)
    }
    return into.bytes.subarray(0, length)
  }

  /** Closes and removes the file. */
  close(): void {
    closeSync(this.#fd)
    rmSync(this.#path, { force: true })
  }
}

const copyEscape = (s: string) =>
  /[\\\t\n\r]/.test(s)
    ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : s

/**
 * The raw baseline's COPY text of objects [0, n), one row `id, body, date_added` per object, in a
 * file whose path is returned.
 */
export function prepareCopyRows(n: number): string {
  const path = preparedPath(`copy-rows-${n}`, n)
  const fd = openSync(path, 'w')
  try {
    const base = Date.UTC(2025, 0, 1)
    for (let first = 0; first < n; first += ENVELOPE) {
      const rows: string[] = []
      for (let i = first; i < Math.min(n, first + ENVELOPE); i++) {
        const added = new Date(base + i).toISOString()
        rows.push(`${objectId(i)}\t${copyEscape(objectText(i))}\t${added}\n`)
      }
      writeSync(fd, rows.join(''))
    }
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return path
}
