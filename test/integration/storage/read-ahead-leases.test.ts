import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { READ_AHEAD_LEASE_MS } from '../../../src/storage/read-ahead-leases.js'
import {
  DIALECTS,
  deletionAudit,
  newIndicators,
  openTestStore,
  type TestStore,
} from '../../helpers/db.js'

/**
 * A hub that reads pages ahead on a shared PostgreSQL holds a lease on the collection (0013); a
 * removal through any other process answers only once the leases others hold have run out, so that
 * no page read before it is served after it has been answered (T-185).
 */
describe.skipIf(!DIALECTS.includes('postgres'))('read-ahead leases', () => {
  let t: TestStore

  beforeAll(async () => {
    t = await openTestStore('postgres')
  }, 60_000)

  afterAll(() => t?.close())

  let next = 0x100
  async function storedObject(): Promise<string> {
    const [object] = newIndicators(next++, 1)
    await t.store.addObjects(t.collectionPk, [object!], () => undefined)
    return object!.id
  }

  /** How long `store` takes to delete `id`, in ms, after checking it deleted one version. */
  async function timedDelete(store: typeof t.store, id: string): Promise<number> {
    const started = performance.now()
    const removed = await store.deleteObjects(
      { collection_pk: t.collectionPk, object_id: id, default_spec_version: false },
      deletionAudit,
    )
    expect(removed).toHaveLength(1)
    return performance.now() - started
  }

  it('T-185 a removal through another process answers only once the lease has run out', async () => {
    const other = await t.otherProcess()
    const id = await storedObject()
    const leased = performance.now()
    await t.store.leaseReadAhead(t.collectionPk, 1500)
    await timedDelete(other, id)
    expect(performance.now() - leased).toBeGreaterThanOrEqual(1500)
  })

  it('T-185 a removal through the process holding the lease does not wait for it', async () => {
    const id = await storedObject()
    await t.store.leaseReadAhead(t.collectionPk, 600_000)
    expect(await timedDelete(t.store, id)).toBeLessThan(60_000)
  })

  it('T-185 a removal waits for no lease that has run out, nor for one on another collection', async () => {
    const other = await t.otherProcess()
    await t.store.leaseReadAhead(t.collectionPk, 1)
    await t.store.leaseReadAhead('999999', 600_000)
    const id = await storedObject()
    expect(await timedDelete(other, id)).toBeLessThan(60_000)
  })

  it('T-185 expiry through another process also waits for the lease', async () => {
    const other = await t.otherProcess()
    await storedObject()
    const leased = performance.now()
    await t.store.leaseReadAhead(t.collectionPk, 1500)
    const removed = await other.expireVersions(t.collectionPk, 0, 1, () => ({
      sub: null,
      action: 'expire_objects',
    }))
    expect(removed).toBe(1)
    expect(performance.now() - leased).toBeGreaterThanOrEqual(1500)
  })

  it('T-185 a removal that cannot read the leases waits as long as one runs, and is answered', async () => {
    const id = await storedObject()
    await sql`drop table read_ahead_leases`.execute(t.db)
    const started = performance.now()
    await timedDelete(t.store, id)
    expect(performance.now() - started).toBeGreaterThanOrEqual(READ_AHEAD_LEASE_MS)
  })
})
