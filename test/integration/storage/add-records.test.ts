import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import type { AddRecords, StatusRecord } from '../../../src/storage/store.js'
import {
  DIALECTS,
  emptyStatus,
  newIndicators,
  openTestStore,
  type TestStore,
} from '../../helpers/db.js'

const object = (n: number) => newIndicators(n, 1)[0]!

const status = (apiRootPk: string, id: string): StatusRecord => ({
  ...emptyStatus(id, apiRootPk),
  request_timestamp: '2025-07-14T09:30:00.000000Z',
  total_count: 2,
  success_count: 2,
})

describe.each(DIALECTS)('what an Add Objects writes commits together (%s)', (dialect) => {
  let t: TestStore
  let apiRootPk: string

  beforeAll(async () => {
    t = await openTestStore(dialect)
    apiRootPk = (await t.store.getApiRoot('r'))!.pk
  }, 60_000)

  afterAll(() => t?.close())

  const count = async (table: 'objects' | 'statuses' | 'audit_log') =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db))
      .rows[0]!.n

  /** Adds objects n with a status in `rootPk` and an audit event as their records. */
  const addWithRecords = (ns: number[], rootPk: string, statusId: string) =>
    t.store.addObjects(
      t.collectionPk,
      ns.map(object),
      () => undefined,
      (): AddRecords => ({
        status: { status: status(rootPk, statusId), retentionSeconds: 60 },
        audit: { sub: 'acme', action: 'add_objects' },
      }),
    )

  it('T-170 writes the status and the audit event in the transaction of the objects', async () => {
    const result = await addWithRecords([1, 2], apiRootPk, 'a-status')
    expect(result.stored.size).toBe(2)
    expect(await count('objects')).toBe(2)
    expect((await t.store.getStatus(apiRootPk, 'a-status'))?.status).toBe('complete')
    expect(await count('audit_log')).toBe(1)
  })

  it('stores no object when its status cannot be written', async () => {
    // a status in an API root that does not exist breaks its foreign key
    await expect(addWithRecords([3, 4], '999999', 'b-status')).rejects.toThrow()
    expect(await count('objects')).toBe(2)
    expect(await count('statuses')).toBe(1)
    expect(await count('audit_log')).toBe(1)
  })

  it('writes the records when every object was stored before', async () => {
    const result = await addWithRecords([1, 2], apiRootPk, 'c-status')
    expect(result.duplicates.size).toBe(2)
    expect(await count('statuses')).toBe(2)
    expect(await count('audit_log')).toBe(2)
  })

  it('T-170 forgets a pending envelope in the same transaction, and keeps it if that fails', async () => {
    const pending = { ...status(apiRootPk, 'p-status'), status: 'pending' as const }
    await t.store.putPendingStatus(
      pending,
      60,
      { collection_pk: t.collectionPk, sub: 'acme', identities: [], body: '{"objects":[]}' },
      60,
    )
    const envelopes = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from pending_envelopes`.execute(t.db))
        .rows[0]!.n
    const finishing = (request_timestamp: string) => (): AddRecords => ({
      status: {
        status: { ...pending, status: 'complete', request_timestamp },
        retentionSeconds: 60,
      },
      releasesEnvelope: true,
    })
    const objects = await count('objects')
    await expect(
      t.store.addObjects(t.collectionPk, [object(5)], () => undefined, finishing('not a time')),
    ).rejects.toThrow()
    expect(await envelopes()).toBe(1)
    expect(await count('objects')).toBe(objects)
    await t.store.addObjects(
      t.collectionPk,
      [object(5)],
      () => undefined,
      finishing('2025-07-14T09:30:00.000000Z'),
    )
    expect(await envelopes()).toBe(0)
    expect(await count('objects')).toBe(objects + 1)
    expect((await t.store.getStatus(apiRootPk, 'p-status'))?.status).toBe('complete')
  })

  it("runs the caller's own statements in the transaction too (a feed page's commit)", async () => {
    const objects = await count('objects')
    const audits = await count('audit_log')
    const also = (statement: ReturnType<typeof sql>) => (): AddRecords => ({ also: [statement] })
    await expect(
      t.store.addObjects(t.collectionPk, [object(6)], () => undefined, also(sql`select 1 / 0`)),
    ).rejects.toThrow(/division by zero/)
    expect(await count('objects')).toBe(objects)
    await t.store.addObjects(
      t.collectionPk,
      [object(6)],
      () => undefined,
      also(sql`insert into audit_log (action) values ('feed_page')`),
    )
    expect(await count('objects')).toBe(objects + 1)
    expect(await count('audit_log')).toBe(audits + 1)
  })
})
