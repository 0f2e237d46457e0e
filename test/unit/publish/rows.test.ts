import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCommunityKey } from '../../../src/publish/keys.js'
import { formatOf, readRows, type RowItem } from '../../../src/publish/rows.js'

const dir = mkdtempSync(join(tmpdir(), 'hw-rows-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

async function all(rows: AsyncIterable<RowItem>): Promise<RowItem[]> {
  const out: RowItem[] = []
  for await (const r of rows) out.push(r)
  return out
}

describe('readRows', () => {
  it('reads CSV with a header, keeping the line each row starts on', async () => {
    const csv = file(
      'rows.csv',
      '\uFEFFKind, Value ,name\r\nip,203.0.113.0/24,\r\n\r\nasn,64500,"two\nlines"\nip,1,2,3\nemail,a@b.example,x\n',
    )
    expect(await all(readRows(csv))).toEqual([
      { line: 2, fields: { kind: 'ip', value: '203.0.113.0/24' } },
      { line: 4, fields: { kind: 'asn', value: '64500', name: 'two\nlines' } },
      { line: 6, reason: 'the row has 4 fields, the header 3' },
      { line: 7, fields: { kind: 'email', value: 'a@b.example', name: 'x' } },
    ])
  })

  it('reports broken quoting by its line and reads on from the next line', async () => {
    const csv = file(
      'quote.csv',
      'kind,value\nip,"203.0.113.0/24"x\nip,"unclosed\nasn,64500\nemail,"a""b"\n',
    )
    expect(await all(readRows(csv))).toEqual([
      { line: 2, reason: 'a quoted field is not followed by a comma or the end of the line' },
      { line: 3, reason: 'a quoted field is never closed' },
      { line: 4, fields: { kind: 'asn', value: '64500' } },
      { line: 5, fields: { kind: 'email', value: 'a"b' } },
    ])
  })

  it('reads JSON Lines, keeping types and line numbers', async () => {
    const jsonl = file(
      'rows.jsonl',
      '{"kind":"asn","value":64500}\n\n[1]\nnot json\n{"kind":"traffic-fingerprint","features":{"a":1},"name":null}\n',
    )
    expect(formatOf(jsonl)).toBe('jsonl')
    expect(await all(readRows(jsonl))).toEqual([
      { line: 1, fields: { kind: 'asn', value: 64500 } },
      { line: 3, reason: 'not a JSON object' },
      { line: 4, reason: 'not valid JSON' },
      { line: 5, fields: { kind: 'traffic-fingerprint', features: { a: 1 } } },
    ])
  })
})

describe('G-040 loadCommunityKey', () => {
  const hex = '00'.repeat(31) + '1f'
  it('reads hex or base64 text, or raw bytes, from a file or the environment', async () => {
    expect(await loadCommunityKey('identifier', { value: hex, id: 'hub-id-1' })).toEqual({
      id: 'hub-id-1',
      secret: Buffer.from(hex, 'hex'),
    })
    const b64 = Buffer.alloc(32, 7).toString('base64')
    const fromFile = await loadCommunityKey('payment', { file: file('k.b64', `${b64}\n`), id: 'p' })
    expect(fromFile?.secret).toEqual(Buffer.alloc(32, 7))
    const raw = Buffer.alloc(32, 0xfe)
    expect(
      (await loadCommunityKey('payment', { file: file('k.bin', raw), id: 'p' }))?.secret,
    ).toEqual(raw)
  })

  it('a key id alone names the key of pre-hashed values; no key at all is undefined', async () => {
    expect(await loadCommunityKey('identifier', { id: 'hub-id-2025-07' })).toEqual({
      id: 'hub-id-2025-07',
    })
    expect(await loadCommunityKey('identifier', {})).toBeUndefined()
  })

  it('refuses short keys, keys without id and keys given twice', async () => {
    await expect(loadCommunityKey('identifier', { value: 'abcd', id: 'k' })).rejects.toThrow(
      /256 bits/,
    )
    await expect(loadCommunityKey('identifier', { value: hex })).rejects.toThrow(/key id/)
    await expect(
      loadCommunityKey('identifier', { value: hex, file: file('k2', hex), id: 'k' }),
    ).rejects.toThrow(/once/)
    await expect(loadCommunityKey('identifier', { value: hex, id: "it's" })).rejects.toThrow(
      /key id/,
    )
    await expect(loadCommunityKey('payment', { file: join(dir, 'none'), id: 'k' })).rejects.toThrow(
      /cannot read/,
    )
  })
})
