/**
 * Work that outlives the request that started it (T-170). Shutdown drains it, so an envelope
 * accepted as `pending` is finished before the database closes.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>()

  run(task: () => Promise<void>): void {
    const p = task().finally(() => this.#running.delete(p))
    this.#running.add(p)
  }

  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }
}
