/**
 * Rows read by key, served again without a query for `ttlMs`. Only rows found are kept: a key
 * not found is asked again every time, so a row created by another process is seen at once.
 */
export class RecentReads<V> {
  private readonly entries = new Map<string, { value: V; until: number }>()
  private readonly ttlMs: number

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs
  }

  async read(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key)
    if (hit !== undefined && hit.until > performance.now()) return hit.value
    const value = await load()
    if (value === undefined) this.entries.delete(key)
    else this.entries.set(key, { value, until: performance.now() + this.ttlMs })
    return value
  }

  /** Forgets the rows `stale` picks, or every row. */
  forget(stale: (value: V) => boolean = () => true): void {
    for (const [key, { value }] of this.entries) if (stale(value)) this.entries.delete(key)
  }
}
