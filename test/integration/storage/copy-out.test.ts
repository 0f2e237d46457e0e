import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CompiledQuery, sql } from 'kysely'
import pg from 'pg'
import { CopyFields } from '../../../src/storage/binary-copy.js'
import { CopyBlocks } from '../../../src/storage/copy-blocks.js'
import { copyOut } from '../../../src/storage/copy-out.js'
import { binaryCopyOut } from '../../../src/storage/open-database.js'
import { pgStream } from '../../../src/storage/pg-socket.js'
import { DIALECTS, openTestStore, type TestStore } from '../../helpers/db.js'

// Pages are read with COPY … TO STDOUT (FORMAT binary), gathered into reusable blocks on
// PostgreSQL (copy-out.ts) or kept as PGlite delivered them, and read there by CopyFields.
function texts(fields: CopyFields, column: number): string[] {
  return Array.from({ length: fields.rows }, (_, r) => {
    const bytes = Buffer.alloc(fields.size(r, column))
    fields.copy(r, column, bytes, 0)
    return bytes.toString('utf8')
  })
}

describe.each(DIALECTS)('COPY output read where it arrived (%s)', (dialect) => {
  let t: TestStore

  beforeAll(async () => {
    t = await openTestStore(dialect)
  }, 60_000)

  afterAll(() => t?.close())

  const copyOut = (text: string) => binaryCopyOut(t.db)(CompiledQuery.raw(text))

  /** every pooled session answers (node-postgres keeps up to 10) */
  async function poolAnswers(): Promise<void> {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => sql<{ n: number }>`select 1 as n`.execute(t.db)),
    )
    expect(answers.map((a) => a.rows[0]!.n)).toEqual(Array.from({ length: 12 }, () => 1))
  }

  it('reads megabytes of rows of every size, byte for byte, as a query reads them', async () => {
    const select = `select i::int8 as n, repeat(chr(128512 + i % 50) || 'ab\\', i % 997) as s
      from generate_series(1, 4000) i order by i`
    const fields = new CopyFields(await copyOut(select), 2)
    const { rows } = await sql<{ s: string }>`${sql.raw(select)}`.execute(t.db)
    expect(fields.rows).toBe(4000)
    expect(texts(fields, 1)).toEqual(rows.map((r) => r.s))
    expect(fields.int8(3999, 0)).toBe(4000n)
  })

  it('reads an empty output', async () => {
    const fields = new CopyFields(await copyOut('select 1::int8 where false'), 1)
    expect(fields.rows).toBe(0)
  })

  it("refuses a statement PostgreSQL refuses, with PostgreSQL's message", async () => {
    await expect(copyOut('select no_such_column from objects')).rejects.toThrow(/no_such_column/)
    await poolAnswers()
  })

  it('refuses an output that fails after rows went out, and the pool stays usable', async () => {
    // 200 rows of 10 kB go out before row 201 divides by zero
    const failing = `select case when i <= 200 then repeat('x', 10000) else (1 / (i - i))::text end
      from generate_series(1, 300) i`
    for (let round = 0; round < 3; round++) {
      await expect(copyOut(failing)).rejects.toThrow(/division by zero/)
    }
    await poolAnswers()
    const fields = new CopyFields(await copyOut("select 'after'::text"), 1)
    expect(texts(fields, 0)).toEqual(['after'])
  })

  it('reads past notices the server sends between rows', async () => {
    await sql`create or replace function noisy(i int) returns text language plpgsql as $$
      begin raise notice 'row %', i; return repeat('n', i * 50); end $$`.execute(t.db)
    const fields = new CopyFields(
      await copyOut('select noisy(i) from generate_series(1, 500) i'),
      1,
    )
    expect(texts(fields, 0)).toEqual(
      Array.from({ length: 500 }, (_, i) => 'n'.repeat((i + 1) * 50)),
    )
    await poolAnswers()
  })
})

describe.runIf(DIALECTS.includes('postgres'))('copyOut on a node-postgres client', () => {
  const ROWS = `select repeat(chr(65 + i % 26), i * 7) from generate_series(1, 300) i order by i`
  const expected = Array.from({ length: 300 }, (_, k) =>
    String.fromCharCode(65 + ((k + 1) % 26)).repeat((k + 1) * 7),
  )

  it('gathers rows across blocks smaller than a row, reading the socket buffer it is lent', async () => {
    const client = new pg.Client({ connectionString: inject('pgUrl'), stream: pgStream })
    await client.connect()
    try {
      const blocks = new CopyBlocks(500, 1 << 20)
      for (let round = 0; round < 3; round++) {
        const data = await copyOut(client, `copy (${ROWS}) to stdout (format binary)`, blocks)
        expect(data.chunks.length).toBeGreaterThan(300)
        expect(texts(new CopyFields(data, 1), 0)).toEqual(expected)
        data.release!()
        data.release!()
        // given back once, however often released: the next round takes every one of them
        expect(blocks.free).toBe(data.chunks.length)
        expect((await client.query<{ n: number }>('select 2 as n')).rows[0]!.n).toBe(2)
      }
    } finally {
      await client.end()
    }
  })

  it('fails alone, leaving the connection usable, when it cannot take over the socket', async () => {
    const client = new pg.Client(inject('pgUrl'))
    await client.connect()
    try {
      // a second reader of the socket: taking it over would starve one of them
      const extra = () => undefined
      const stream = (client as unknown as { connection: { stream: NodeJS.EventEmitter } })
        .connection.stream
      stream.on('data', extra)
      const blocks = new CopyBlocks(1024, 1 << 20)
      await expect(
        copyOut(client, "copy (select 'x') to stdout (format binary)", blocks),
      ).rejects.toThrow(/one reader of the connection, found 2/)
      stream.removeListener('data', extra)
      const data = await copyOut(
        client,
        "copy (select 'y'::text) to stdout (format binary)",
        blocks,
      )
      const fields = new CopyFields(data, 1)
      expect(fields.rows).toBe(1)
      expect((await client.query<{ n: number }>('select 2 as n')).rows[0]!.n).toBe(2)
    } finally {
      await client.end()
    }
  })
})
