import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { setTimeout as sleep } from 'node:timers/promises'
import type { NewObject } from '../../../src/storage/store.js'
import {
  DIALECTS,
  deletionAudit,
  emptyStatus,
  newIndicators,
  openTestStore,
  type TestStore,
} from '../../helpers/db.js'

/**
 * Add Objects reads the stored versions before it takes the collection lock. These tests put
 * another writer between that read and the lock, in the order PostgreSQL queues lock waiters: the
 * test holds the collection's row lock, starts the writers one after another, waits until each
 * waits for the lock, then lets them go. PGlite has one connection, so nothing runs concurrently.
 */
describe.skipIf(!DIALECTS.includes('postgres'))('Add Objects against writers racing it', () => {
  let t: TestStore

  beforeAll(async () => {
    t = await openTestStore('postgres')
  }, 60_000)

  afterAll(() => t?.close())

  const objectA = newIndicators(0xa, 1)[0]!

  const versionsOfA = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from objects
        where id = ${objectA.id}`.execute(t.db)
    ).rows[0]!.n

  async function waitersOnLocks(): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(t.db)
    return rows[0]!.n
  }

  /**
   * Runs `writers` while the collection is locked, each started once the ones before it wait for
   * the lock, so they take it in this order once it is released.
   */
  async function inLockOrder<T>(writers: (() => Promise<T>)[]): Promise<T[]> {
    const started: Promise<T>[] = []
    await t.db.transaction().execute(async (trx) => {
      await sql`select 1 from collections where pk = ${t.collectionPk}::bigint for update`.execute(
        trx,
      )
      for (const writer of writers) {
        const waiting = (await waitersOnLocks()) + 1
        const run = writer()
        // a writer that fails before it waits is reported by Promise.all below
        run.catch(() => undefined)
        started.push(run)
        for (let i = 0; (await waitersOnLocks()) < waiting; i++) {
          if (i > 500) throw new Error('the writer never waited for the collection lock')
          await sleep(10)
        }
      }
    })
    return Promise.all(started)
  }

  const add = () => t.store.addObjects(t.collectionPk, [objectA], () => undefined)

  it('T-137 a version stored by a post that held the lock first is a duplicate, not a conflict', async () => {
    const [first, second] = await inLockOrder([add, add])
    expect(first!.stored.size).toBe(1)
    expect(second!.stored.size).toBe(0)
    expect([...second!.duplicates.values()]).toEqual([{ id: objectA.id, version: objectA.version }])
    expect(await versionsOfA()).toBe(1)
  })

  it('T-137 a version stored first by another hub process is a duplicate, not a second row', async () => {
    const objectB = newIndicators(0xb, 1)[0]!
    const other = await t.otherProcess()
    // this process remembers no post of the other one: only the database can say what it added
    const [first, second] = await inLockOrder([
      () => other.addObjects(t.collectionPk, [objectB], () => undefined),
      () => t.store.addObjects(t.collectionPk, [objectB], () => undefined),
    ])
    expect(first!.stored.size).toBe(1)
    expect(second!.stored.size).toBe(0)
    expect([...second!.duplicates.values()]).toEqual([{ id: objectB.id, version: objectB.version }])
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from objects
      where id = ${objectB.id}`.execute(t.db)
    expect(rows[0]!.n).toBe(1)
  })

  it('T-137 a version deleted before the lock was taken is stored again', async () => {
    expect(await versionsOfA()).toBe(1)
    const remove = async () => {
      await t.store.deleteObjects(
        { collection_pk: t.collectionPk, object_id: objectA.id, default_spec_version: false },
        deletionAudit,
      )
      return undefined
    }
    // the post reads the version while the deletion waits for the lock ahead of it
    const [, posted] = await inLockOrder([remove, add])
    expect(posted!.stored.size).toBe(1)
    expect(posted!.duplicates.size).toBe(0)
    expect(await versionsOfA()).toBe(1)
  })

  it('T-137 a post recorded before the lock, whose version another post stored first, leaves the collection where that post left it and records a duplicate', async () => {
    const root = (await t.store.getApiRoot('r'))!
    const objectC = newIndicators(0xc, 1)[0]!
    const recorded = (statusId: string) => () =>
      t.store.addObjects(
        t.collectionPk,
        [objectC],
        () => undefined,
        (r) => ({
          status: {
            status: {
              ...emptyStatus(statusId, root.pk),
              total_count: 1,
              success_count: r.stored.size + r.duplicates.size,
            },
            retentionSeconds: 60,
          },
          audit: {
            sub: 'acme',
            action: 'add_objects',
            details: { status_id: statusId, stored: r.stored.size, duplicates: r.duplicates.size },
          },
        }),
      )
    const [first, second] = await inLockOrder([recorded('race-first'), recorded('race-second')])
    expect(first!.stored.size).toBe(1)
    expect(second!.duplicates.size).toBe(1)
    const { rows } = await sql<{ last: string; newest: string }>`
      select last_date_added::text as last, (select max(date_added)::text from objects o
        where o.collection_pk = c.pk) as newest
      from collections c where pk = ${t.collectionPk}::bigint`.execute(t.db)
    expect(rows[0]!.last).toBe(rows[0]!.newest)
    const events = await sql<{ details: unknown }>`select details from audit_log
      where action = 'add_objects' and details->>'status_id' like 'race-%' order by pk`.execute(
      t.db,
    )
    expect(events.rows.map((e) => e.details)).toEqual([
      { status_id: 'race-first', stored: 1, duplicates: 0 },
      { status_id: 'race-second', stored: 0, duplicates: 1 },
    ])
  })

  it('S-062 a new version of an object revoked by a post that held the lock first is refused, and its status says so', async () => {
    const root = (await t.store.getApiRoot('r'))!
    const id = 'indicator--00000000-0000-4000-8000-0000000000bb'
    const version = (minute: number, revoked = false): NewObject => {
      const modified = `2025-07-14T09:${minute}:00.000Z`
      return {
        id,
        type: 'indicator',
        spec_version: '2.1',
        version: modified,
        version_key: `2025-07-14T09:${minute}:00.000000000Z`,
        body: JSON.stringify({ type: 'indicator', id, modified, revoked }),
      }
    }
    await t.store.addObjects(t.collectionPk, [version(10)], () => undefined)
    const status = { ...emptyStatus('after-the-revocation', root.pk), total_count: 1 }
    const [, later] = await inLockOrder([
      () => t.store.addObjects(t.collectionPk, [version(20, true)], () => undefined),
      // planned while only the first version was stored: the status it would write says success
      () =>
        t.store.addObjects(
          t.collectionPk,
          [version(30)],
          () => undefined,
          (r) => ({
            status: {
              status: {
                ...status,
                success_count: r.stored.size,
                failure_count: r.rejected.size,
                failures: [...r.rejected.values()].map((message) => ({ id, version: '', message })),
              },
              retentionSeconds: 60,
            },
          }),
        ),
    ])
    expect(later!.stored.size).toBe(0)
    expect([...later!.rejected.values()][0]).toMatch(/^S-062/)
    const written = await t.store.getStatus(root.pk, status.id)
    expect(written).toMatchObject({ success_count: 0, failure_count: 1 })
  })
})
