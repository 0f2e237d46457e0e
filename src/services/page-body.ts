import type { PageTexts } from '../storage/store.js'

const COMMA = 0x2c

/**
 * A listing's body: `head`, the page's texts joined by commas, and `tail`, written where the
 * response is built (http/send-page.ts). Its parts are the head, each text (from the second on with
 * the comma before it) and the tail; they are written whole, in order.
 */
export class PageBody {
  readonly size: number
  /** head, texts, tail */
  readonly parts: number
  readonly #head: Buffer
  readonly #texts: PageTexts
  readonly #tail: Buffer

  constructor(head: Buffer, texts: PageTexts, tail: Buffer) {
    this.#head = head
    this.#texts = texts
    this.#tail = tail
    this.parts = texts.count + 2
    let size = head.length + tail.length + Math.max(0, texts.count - 1)
    for (let i = 0; i < texts.count; i++) size += texts.size(i)
    this.size = size
  }

  /** The bytes of part `k`. */
  partSize(k: number): number {
    if (k === 0) return this.#head.length
    if (k === this.parts - 1) return this.#tail.length
    return this.#texts.size(k - 1) + (k > 1 ? 1 : 0)
  }

  /**
   * Writes the parts from `part` on into `target` from `at`, while each fits whole; returns where
   * it stopped: the end of what it wrote, and the first part not written (`parts` once all are).
   */
  fill(target: Buffer, at: number, part: number): { at: number; part: number } {
    const end = target.length
    let k = part
    if (k === 0) {
      if (at + this.#head.length > end) return { at, part: k }
      at += this.#head.copy(target, at)
      k++
    }
    const last = this.parts - 1
    for (; k < last; k++) {
      const text = k - 1
      const size = this.#texts.size(text)
      const comma = k > 1 ? 1 : 0
      if (at + comma + size > end) return { at, part: k }
      if (comma === 1) target[at++] = COMMA
      this.#texts.copy(text, target, at)
      at += size
    }
    if (k === last && at + this.#tail.length <= end) {
      at += this.#tail.copy(target, at)
      k++
    }
    return { at, part: k }
  }

  /** The texts will not be written again (PageTexts.release). */
  release(): void {
    this.#texts.release()
  }
}
