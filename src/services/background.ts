/**
 * Work that outlives the request that started it (T-170). Shutdown drains it, so an envelope
 * accepted as `pending` is finished before the database closes.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>()
  #report: (err: unknown) => void = (err) => {
    process.stderr.write(`hydrawatch: background task failed: ${String(err)}\n`)
  }

  /** Where failures of background work are reported (the hub's log once it has one). */
  reportTo(report: (err: unknown) => void): void {
    this.#report = report
  }

  run(task: () => Promise<void>): void {
    const p = task()
      .catch((err: unknown) => this.#report(err))
      .finally(() => this.#running.delete(p))
    this.#running.add(p)
  }

  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }
}
