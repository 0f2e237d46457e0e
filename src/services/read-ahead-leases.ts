/**
 * The read-ahead leases this hub holds (0013, storage/read-ahead-leases.ts), on the collections it
 * reads pages ahead from, renewed while it goes on doing so. A page read while a lease is held can
 * be served until the lease runs out without asking whether another process removed anything
 * since: such a removal is answered only after the lease has run out.
 */
export class ReadAheadLeases {
  /** by collection: until when, by this process's clock, the hub may count on its lease */
  readonly #ends = new Map<string, number>()
  readonly #renewing = new Set<string>()
  readonly #lease: (collectionPk: string, ms: number) => Promise<void>
  readonly #ms: number
  readonly #now: () => number

  /** `lease` takes a lease of `ms` in the database; `now` is the clock pages are timed by. */
  constructor(
    lease: (collectionPk: string, ms: number) => Promise<void>,
    ms: number,
    now: () => number = () => performance.now(),
  ) {
    this.#lease = lease
    this.#ms = ms
    this.#now = now
  }

  /**
   * Until when a page of the collection whose read begins now may be served without asking for
   * removals, or undefined while the hub holds no lease on it. A lease past half its time, or
   * none, is asked for meanwhile, for the reads that follow.
   */
  current(collectionPk: string): number | undefined {
    const now = this.#now()
    const end = this.#ends.get(collectionPk)
    if ((end === undefined || end - now < this.#ms / 2) && !this.#renewing.has(collectionPk)) {
      this.#renew(collectionPk, now)
    }
    return end !== undefined && end > now ? end : undefined
  }

  /** Whether a page read under a lease that ends at `end` may still be served. */
  holds(end: number): boolean {
    return this.#now() < end
  }

  #renew(collectionPk: string, sent: number): void {
    this.#renewing.add(collectionPk)
    this.#lease(collectionPk, this.#ms)
      .then(
        // the lease began no earlier than it was asked for, by a clock that ticks at this rate
        () => this.#ends.set(collectionPk, sent + this.#ms - CLOCK_MARGIN_MS),
        // without a lease, pages are served once the removals say they may: as always
        () => undefined,
      )
      .finally(() => this.#renewing.delete(collectionPk))
  }
}

/** Taken off a lease's time, for clocks of two machines that tick a few hundred ppm apart. */
const CLOCK_MARGIN_MS = 10
