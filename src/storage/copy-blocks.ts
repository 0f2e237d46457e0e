/**
 * Fixed-size blocks that hold the output of a COPY out until its page is written (copy-out.ts),
 * then wait for the next page. Without them every socket read of a page came in a fresh 64 kB
 * buffer, ~30 per page of 1,000 objects, and the external memory they added up to set V8 off on
 * a mark-compact every ~20 pages once a hub had taken in a million objects (hub CPU per page 3.3
 * against 1.8 ms).
 *
 * A block may be given back only when nothing will read it again, and once: given twice, it would
 * be handed to two pages at a time.
 */
export class CopyBlocks {
  readonly blockBytes: number
  readonly #maxFree: number
  readonly #free: Buffer[] = []

  /** Blocks of `blockBytes`; at most `maxFreeBytes` of them wait for reuse. */
  constructor(blockBytes: number, maxFreeBytes: number) {
    this.blockBytes = blockBytes
    this.#maxFree = Math.floor(maxFreeBytes / blockBytes)
  }

  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.blockBytes)
  }

  give(blocks: readonly Buffer[]): void {
    for (const block of blocks) {
      if (this.#free.length >= this.#maxFree) return
      if (block.length === this.blockBytes) this.#free.push(block)
    }
  }

  /** Blocks waiting for reuse. */
  get free(): number {
    return this.#free.length
  }
}
