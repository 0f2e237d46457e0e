import { Worker } from 'node:worker_threads'
import type { AttributionRule } from './attribution.js'
import type { CheckedEnvelope, CheckedItem } from './checked-envelope.js'

/** An envelope for the check thread: its bytes, a copy the thread takes over. */
export interface CheckJob {
  id: number
  body: Uint8Array
  maxObjects: number
  rule: AttributionRule
}

/**
 * Checked items as the thread sends them: a column per field, which cost a tenth of what the
 * items themselves cost to pass between threads (0.4 against 2.1 ms per 1,000, both ends). An
 * item without `meta` has null in its columns; failures and verdicts, rare, go by index.
 */
export interface CheckedColumns {
  ids: string[]
  versions: string[]
  types: (string | null)[]
  specVersions: (string | null)[]
  statedVersions: (string | null)[]
  versionKeys: (string | null)[]
  failures: [number, string][]
  verdicts: [number, string][]
}

export function packChecked(items: readonly CheckedItem[]): CheckedColumns {
  const c: CheckedColumns = {
    ids: [],
    versions: [],
    types: [],
    specVersions: [],
    statedVersions: [],
    versionKeys: [],
    failures: [],
    verdicts: [],
  }
  items.forEach(({ id, version, meta, failure, verdict }, i) => {
    c.ids.push(id)
    c.versions.push(version)
    c.types.push(meta?.type ?? null)
    c.specVersions.push(meta?.spec_version ?? null)
    c.statedVersions.push(meta?.version ?? null)
    c.versionKeys.push(meta?.version_key ?? null)
    if (failure !== undefined) c.failures.push([i, failure])
    if (verdict !== undefined) c.verdicts.push([i, verdict])
  })
  return c
}

export function unpackChecked(c: CheckedColumns): CheckedItem[] {
  const items = c.ids.map((id, i): CheckedItem => {
    const type = c.types[i]!
    const spec = c.specVersions[i]!
    const version = c.versions[i]!
    if (type === null || spec === null) return { id, version }
    const meta = {
      id,
      type,
      spec_version: spec,
      version: c.statedVersions[i]!,
      version_key: c.versionKeys[i]!,
    }
    return { id, version, meta }
  })
  for (const [i, failure] of c.failures) items[i]!.failure = failure
  for (const [i, verdict] of c.verdicts) items[i]!.verdict = verdict
  return items
}

/**
 * The thread's answer: the checked items and where each element's source lies in the body; or
 * `unread` for a body it does not read (not UTF-8, not a well-formed envelope, too many
 * objects), which the hub's own thread reads and tells what is wrong with; or an error.
 */
export type CheckReply = (
  | { id: number; checked: CheckedColumns; starts: Int32Array; ends: Int32Array }
  | { id: number; unread: true }
  | { id: number; error: string }
) & {
  /** the job's body, handed back for the next envelope's copy (EnvelopeChecks.check) */
  body?: Uint8Array
}

/** What the thread sends: `ready` once, when it has compiled its validator, then replies. */
export type ThreadMessage = CheckReply | { ready: true }

/**
 * Bodies' memory kept for reuse: one for each envelope in flight with a few posters. Each copy
 * handed to the thread was otherwise garbage once checked, ~770 kB per envelope of 1,000 objects.
 */
const SPARE_BODIES = 4

/**
 * The thread's module, always the built one: a worker thread runs JavaScript, and the hub's
 * tests run it from its TypeScript sources (`npm test` builds first). From `src/services` and
 * from `dist/services` alike this is `dist/services/envelope-check-worker.js`.
 */
const WORKER_FILE = new URL('../../dist/services/envelope-check-worker.js', import.meta.url)

/**
 * The check thread's young generation, in MB. V8 grew it to its 64-bit default of 32 MB of
 * semi-spaces under ingest, though each run of elements the thread parses is garbage once checked
 * (envelope-check-worker.ts): alternated 200,000-object ingests with 4 posters peaked at 247-254 MB
 * of the hub's RSS with 8 MB, and 260-262 MB without a limit, at the same rate (20.6-23.7k against
 * 20.6-23.9k objects/s) and the same CPU on the thread (5.4-6.1 against 5.3-6.1 s).
 */
const THREAD_YOUNG_GENERATION_MB = 8

/**
 * Reads and checks posted envelopes on a thread of their own. The hub's own thread serves every
 * request, and with two posters it was busy 84% of the time (its CPU time against wall time),
 * some 16 of the 45 ms of CPU it spent per envelope of 1,000 objects going to parsing and
 * checking them (CPU profile).
 * The stored texts stay in the request's buffer; the thread sends back what the checks said
 * and where each element lies.
 *
 * `check` answers `undefined` when the thread could not take the envelope (a body it does not
 * read, a thread that would not start or that died): the caller then reads and checks it itself,
 * so no post is lost to the thread.
 */
export class EnvelopeChecks {
  #worker: Worker | undefined
  /** set once a thread failed to start, or the hub closed: no thread is started again */
  #off = false
  readonly #jobs = new Map<number, (reply: CheckReply | undefined) => void>()
  #nextId = 0
  #checked = 0
  /** the memory of bodies the thread has handed back, for the copies of those to come */
  readonly #spare: ArrayBuffer[] = []
  readonly #file: URL
  #report: (err: unknown) => void = (err) => {
    process.stderr.write(`hydrawatch: envelope check thread: ${String(err)}\n`)
  }

  /** `file`: the thread's module (a test gives one that fails) */
  constructor(file: URL = WORKER_FILE) {
    this.#file = file
  }

  /** How many envelopes the thread has read and checked. */
  get checked(): number {
    return this.#checked
  }

  /** Where the thread's failures are reported (the hub's log once it has one). */
  reportTo(report: (err: unknown) => void): void {
    this.#report = report
  }

  /** Starts the thread, which compiles the validator at once, so that no post waits for it. */
  start(): void {
    this.#thread()
  }

  #thread(): Worker | undefined {
    if (this.#off || this.#worker !== undefined) return this.#worker
    const worker = new Worker(this.#file, {
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    })
    // a thread waiting for work must not keep a finished process alive
    worker.unref()
    let ready = false
    worker.on('message', (message: ThreadMessage) => {
      if ('ready' in message) {
        ready = true
        return
      }
      const reply = message
      if (reply.body !== undefined && this.#spare.length < SPARE_BODIES) {
        this.#spare.push(reply.body.buffer as ArrayBuffer)
      }
      const done = this.#jobs.get(reply.id)
      this.#jobs.delete(reply.id)
      done?.(reply)
    })
    worker.on('error', (err) => this.#report(err))
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined
      // one that failed before it was ready (its module, its validator) will fail again
      if (!ready) this.#off = true
      for (const done of this.#jobs.values()) done(undefined)
      this.#jobs.clear()
    })
    this.#worker = worker
    return worker
  }

  /** `body` read and checked on the thread, or `undefined` when the caller must do it. */
  check(
    body: Buffer,
    maxObjects: number,
    rule: AttributionRule,
  ): Promise<CheckedEnvelope | undefined> {
    const worker = this.#thread()
    if (worker === undefined) return Promise.resolve(undefined)
    const id = this.#nextId++
    // a copy: the request's buffer may share its memory with others (Buffer's pool)
    const copy = new Uint8Array(this.#memoryFor(body.length), 0, body.length)
    copy.set(body)
    return new Promise((resolve) => {
      this.#jobs.set(id, (reply) => {
        if (reply !== undefined && 'error' in reply) this.#report(new Error(reply.error))
        if (reply === undefined || !('checked' in reply)) return resolve(undefined)
        const { checked, starts, ends } = reply
        this.#checked++
        resolve({ items: unpackChecked(checked), source: (i) => body.subarray(starts[i], ends[i]) })
      })
      const job: CheckJob = { id, body: copy, maxObjects, rule }
      worker.postMessage(job, [copy.buffer])
    })
  }

  /**
   * Memory for the copy of a body of `size` bytes: one the thread handed back if large enough,
   * else new, with room for a slightly larger body next time.
   */
  #memoryFor(size: number): ArrayBuffer {
    const i = this.#spare.findIndex((b) => b.byteLength >= size)
    return i >= 0 ? this.#spare.splice(i, 1)[0]! : new ArrayBuffer(size + (size >> 3))
  }

  /** Stops the thread; posts checked from now on are checked by their caller. */
  async close(): Promise<void> {
    this.#off = true
    await this.#worker?.terminate()
  }
}
