import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import type { AuditEvent, ObjectQuery } from '../../../src/storage/store.js'
import { DIALECTS, newIndicators, openTestStore, type TestStore } from '../../helpers/db.js'

/** A deletion and its audit event commit together: none goes unrecorded, none is recorded twice. */
describe.each(DIALECTS)('what a Delete an Object writes commits together (%s)', (dialect) => {
  let t: TestStore

  beforeAll(async () => {
    t = await openTestStore(dialect)
    await t.store.addObjects(t.collectionPk, newIndicators(1, 2), () => undefined)
  }, 60_000)

  afterAll(() => t?.close())

  const [first, second] = newIndicators(1, 2)
  const query = (id: string): ObjectQuery => ({
    collection_pk: t.collectionPk,
    object_id: id,
    default_spec_version: false,
  })
  const count = async (table: 'objects' | 'audit_log') =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db))
      .rows[0]!.n
  const event = (action: string) => (): AuditEvent => ({ sub: 'acme', action })

  it('T-185 deletes the versions and writes the audit event made of them in one transaction', async () => {
    let recorded: string[] = []
    const removed = await t.store.deleteObjects(query(first!.id), (gone) => {
      recorded = gone.map((g) => g.id)
      return { sub: 'acme', action: 'delete_object', details: { ids: recorded } }
    })
    expect(removed.map((r) => r.id)).toEqual([first!.id])
    expect(recorded).toEqual([first!.id])
    expect(await count('objects')).toBe(1)
    const { rows } = await sql<{ action: string; details: { ids: string[] } }>`
      select action, details from audit_log`.execute(t.db)
    expect(rows).toEqual([{ action: 'delete_object', details: { ids: [first!.id] } }])
  })

  it('T-185 deletes nothing when its audit event cannot be written', async () => {
    // an event without an action breaks the audit log's NOT NULL
    const broken = () => ({ sub: 'acme', action: null }) as unknown as AuditEvent
    await expect(t.store.deleteObjects(query(second!.id), broken)).rejects.toThrow()
    expect(await count('objects')).toBe(1)
    expect(await count('audit_log')).toBe(1)
  })

  it('T-185 records nothing when nothing was selected', async () => {
    expect(await t.store.deleteObjects(query(first!.id), event('delete_object'))).toEqual([])
    expect(await count('audit_log')).toBe(1)
  })
})
