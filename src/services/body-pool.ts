/**
 * Buffers for large response bodies, and for the chunks larger ones go out in (http/send-page.ts),
 * used again once they have gone out.
 *
 * A page of 1,000 objects is a ~770 kB body. Allocated fresh for every page, those bodies are
 * external memory to V8, and a sync allocating ~250 MB/s of it made V8 run a mark-compact every
 * ~15 pages at times (70 in 1,000 pages), doubling the hub's CPU per page. A body from the pool
 * costs no allocation once the pool holds a buffer large enough.
 *
 * A buffer may be given back only when nothing will read it again: once the operating system has
 * taken what was written from it (the response's `finish`, or the write's callback), never merely
 * when the handler returns.
 */
export class BodyPool {
  readonly #minBytes: number
  readonly #maxFreeBytes: number
  readonly #free: Buffer[] = []
  #freeBytes = 0
  /** the buffers taken and not yet given back, by the view handed out */
  readonly #taken = new WeakMap<Buffer, Buffer>()

  /**
   * Bodies under `minBytes` are allocated as usual (small ones cost V8 little); at most
   * `maxFreeBytes` of buffers wait for reuse, beyond which a buffer given back is let go.
   */
  constructor(minBytes: number, maxFreeBytes: number) {
    this.#minBytes = minBytes
    this.#maxFreeBytes = maxFreeBytes
  }

  /** A buffer of exactly `size` bytes, of unspecified content. */
  take(size: number): Buffer {
    if (size < this.#minBytes) return Buffer.allocUnsafe(size)
    let best = -1
    for (let i = 0; i < this.#free.length; i++) {
      const length = this.#free[i]!.length
      if (length >= size && (best < 0 || length < this.#free[best]!.length)) best = i
    }
    let backing: Buffer
    if (best < 0) {
      // room to grow: the next page of the same sync is rarely the same size to the byte
      backing = Buffer.allocUnsafeSlow(size + (size >> 3))
    } else {
      backing = this.#free[best]!
      this.#free.splice(best, 1)
      this.#freeBytes -= backing.length
    }
    const view = backing.subarray(0, size)
    this.#taken.set(view, backing)
    return view
  }

  /**
   * Gives back a buffer `take` returned. Anything else, or one given back already, is ignored, so
   * that no buffer can be handed out twice at once.
   */
  give(view: Buffer): void {
    const backing = this.#taken.get(view)
    if (backing === undefined) return
    this.#taken.delete(view)
    if (this.#freeBytes + backing.length > this.#maxFreeBytes) return
    this.#free.push(backing)
    this.#freeBytes += backing.length
  }

  /** Bytes of buffers waiting for reuse. */
  get freeBytes(): number {
    return this.#freeBytes
  }
}
