import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { BinaryCopyWriter } from '../../../src/storage/binary-copy.js'
import { binaryCopyIn } from '../../../src/storage/open-database.js'
import type { NewObject } from '../../../src/storage/store.js'
import { DIALECTS, openTestStore, pageTexts, type TestStore } from '../../helpers/db.js'

// New versions go into the database by COPY (FORMAT binary): bodies as their bytes, whatever they
// hold, and stamps written by the hub rather than parsed by the server.
const AWKWARD = [
  '{"id":"indicator--00000000-0000-4000-8000-000000000001","a":"back\\\\slash \\\\N \\"q\\""}',
  '{\t"id" :\n"indicator--00000000-0000-4000-8000-000000000002",\r\n"b":"tab\\tnew\\nline"}',
  '{"id":"indicator--00000000-0000-4000-8000-000000000003","c":"ü €  𝄞 日本"}',
  '{"id":"indicator--00000000-0000-4000-8000-000000000004","d":"\\u0000 \\u001e |\\\\.|"}',
]

const objectOf = (body: string, version: string | null): NewObject => ({
  id: (JSON.parse(body) as { id: string }).id,
  type: 'indicator',
  spec_version: '2.1',
  version,
  version_key: version === null ? null : '2025-07-14T09:30:00.000000000Z',
  body,
})

describe.each(DIALECTS)('new versions written by COPY (%s)', (dialect) => {
  let t: TestStore

  beforeAll(async () => {
    t = await openTestStore(dialect)
  }, 60_000)

  afterAll(() => t?.close())

  const countObjects = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from objects
        where collection_pk = ${t.collectionPk}::bigint`.execute(t.db)
    ).rows[0]!.n

  it('T-154 stores every body byte for byte and serves it back so', async () => {
    const objects = AWKWARD.map((body) => objectOf(body, '2025-07-14T09:30:00.000Z'))
    const result = await t.store.addObjects(t.collectionPk, objects, () => undefined)
    expect(result.stored.size).toBe(AWKWARD.length)
    const texts = await pageTexts(t.store, { collection_pk: t.collectionPk }, undefined, 100)
    expect(texts).toBe(AWKWARD.join(','))
    const manifest = await t.store.listManifest({ collection_pk: t.collectionPk }, undefined, 100)
    expect(manifest.rows.map((r) => r.version)).toEqual(
      AWKWARD.map(() => '2025-07-14T09:30:00.000Z'),
    )
  })

  it('T-121 T-134 gives versionless objects their date_added, 20 microseconds apart', async () => {
    const bodies = [5, 6, 7].map(
      (n) => `{"type":"ipv4-addr","id":"ipv4-addr--00000000-0000-4000-8000-00000000000${n}"}`,
    )
    const result = await t.store.addObjects(
      t.collectionPk,
      bodies.map((b) => ({ ...objectOf(b, null), type: 'ipv4-addr' })),
      () => undefined,
    )
    const stored = [...result.stored.values()].map((v) => v.version)
    const { rows } = await t.store.listManifest(
      { collection_pk: t.collectionPk, match_type: ['ipv4-addr'] },
      undefined,
      100,
    )
    expect(rows.map((r) => r.version)).toEqual(stored)
    expect(rows.map((r) => r.date_added)).toEqual(stored)
    const micros = stored.map(
      (v) => Number(v.slice(20, 26)) + Date.parse(v.slice(0, 19) + 'Z') * 1e3,
    )
    expect(micros.slice(1).map((m, i) => m - micros[i]!)).toEqual([20, 20])
  })

  it('T-134 stamps versioned objects 20 microseconds apart, after the last post, as the collection records', async () => {
    const micros = (v: string) => Number(v.slice(20, 26)) + Date.parse(v.slice(0, 19) + 'Z') * 1e3
    const envelopes = [
      [8, 9, 10],
      [11, 12],
    ].map((ns) =>
      ns.map((n) =>
        objectOf(
          `{"type":"indicator","id":"indicator--00000000-0000-4000-8000-0000000000${n}"}`,
          '2025-07-14T09:30:00.000Z',
        ),
      ),
    )
    const stamps: number[][] = []
    for (const objects of envelopes) {
      await t.store.addObjects(t.collectionPk, objects, () => undefined)
      const { rows } = await t.store.listManifest(
        { collection_pk: t.collectionPk, match_id: objects.map((o) => o.id) },
        undefined,
        100,
      )
      expect(rows.map((r) => r.id)).toEqual(objects.map((o) => o.id))
      stamps.push(rows.map((r) => micros(r.date_added)))
      // the next post stamps above the newest stamp the collection records (T-134)
      const { rows: same } = await sql<{ same: boolean }>`
        select last_date_added = (select max(date_added) from objects
          where collection_pk = ${t.collectionPk}::bigint) as same
        from collections where pk = ${t.collectionPk}::bigint`.execute(t.db)
      expect(same[0]!.same).toBe(true)
    }
    const [first, second] = stamps as [number[], number[]]
    expect(first.slice(1).map((m, i) => m - first[i]!)).toEqual([20, 20])
    expect(second[1]! - second[0]!).toBe(20)
    expect(second[0]!).toBeGreaterThan(first[2]!)
  })

  it('refuses a COPY that breaks a constraint whole, and the connections stay usable', async () => {
    const before = await countObjects()
    const rows = new BinaryCopyWriter(0)
    // one record's key twice: the primary key (0014) is the table's one unique constraint
    for (let i = 0; i < 2; i++) {
      rows
        .row(9)
        .int8(8_000_000_000_000_000)
        .int8(Number(t.collectionPk))
        .text('indicator--00000000-0000-4000-8000-0000000000ff')
        .text('indicator')
        .text('2.1')
        .text('2025-07-14T09:30:00.000Z')
        .text('2025-07-14T09:30:00.000000000Z')
        .timestamptz(Date.UTC(2025, 6, 14) * 1000)
        .text('{}')
    }
    const copy = binaryCopyIn(
      'objects (pk, collection_pk, id, type, spec_version, version, version_key, date_added, body)',
      rows.end(),
    )
    await expect(t.db.executeQuery(copy)).rejects.toThrow(/duplicate key/)
    await expect(t.db.transaction().execute((trx) => trx.executeQuery(copy))).rejects.toThrow(
      /duplicate key/,
    )
    // every pooled session answers again (node-postgres keeps up to 10)
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => sql<{ n: number }>`select 1 as n`.execute(t.db)),
    )
    expect(answers.map((a) => a.rows[0]!.n)).toEqual(Array.from({ length: 12 }, () => 1))
    expect(await countObjects()).toBe(before)
  })

  it('keeps what the dropped foreign key did: deleting a collection deletes its objects', async () => {
    expect(await countObjects()).toBe(AWKWARD.length + 3 + 5)
    await sql`delete from collections where pk = ${t.collectionPk}::bigint`.execute(t.db)
    expect(await countObjects()).toBe(0)
  })
})
