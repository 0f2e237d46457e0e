import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  BinaryCopyError,
  BinaryCopyWriter,
  binaryCopyFields,
} from '../../../src/storage/binary-copy.js'

/** COPY binary output as PostgreSQL writes it (header, rows of length-prefixed fields, trailer). */
function copyOutput(rows: (string | null)[][], extension = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')]
  const int32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    return b
  }
  const int16 = (n: number) => {
    const b = Buffer.alloc(2)
    b.writeInt16BE(n)
    return b
  }
  parts.push(int32(0), int32(extension.length), extension)
  for (const row of rows) {
    parts.push(int16(row.length))
    for (const field of row) {
      if (field === null) parts.push(int32(-1))
      else {
        const bytes = Buffer.from(field)
        parts.push(int32(bytes.length), bytes)
      }
    }
  }
  parts.push(int16(-1))
  return Buffer.concat(parts)
}

function fieldsOf(data: Buffer, fields: number): string[][] {
  const offsets = binaryCopyFields(data, fields)
  const rows: string[][] = []
  for (let at = 0; at < offsets.length; at += fields * 2) {
    const row: string[] = []
    for (let f = 0; f < fields; f++) {
      row.push(data.toString('utf8', offsets[at + f * 2], offsets[at + f * 2 + 1]))
    }
    rows.push(row)
  }
  return rows
}

describe('binaryCopyFields', () => {
  it('gives back every field of every row, byte for byte, whatever the texts hold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string(), fc.string({ unit: 'grapheme' }), fc.string()), {
          maxLength: 20,
        }),
        fc.uint8Array({ maxLength: 8 }),
        (rows, extension) => {
          expect(fieldsOf(copyOutput(rows, Buffer.from(extension)), 3)).toEqual(rows)
        },
      ),
    )
  })

  it('reads no rows from an empty result', () => {
    expect(binaryCopyFields(copyOutput([]), 3)).toHaveLength(0)
  })

  it('refuses text output, a cut output, a NULL and a row of another width', () => {
    expect(() => binaryCopyFields(Buffer.from('1\t2\t3\n'), 3)).toThrow(BinaryCopyError)
    const whole = copyOutput([['1', '2', '3']])
    for (let cut = 19; cut < whole.length; cut++) {
      expect(() => binaryCopyFields(whole.subarray(0, cut), 3)).toThrow(BinaryCopyError)
    }
    expect(() => binaryCopyFields(copyOutput([['1', null, '3']]), 3)).toThrow(/NULL/)
    expect(() => binaryCopyFields(copyOutput([['1', '2']]), 3)).toThrow(/2 fields/)
  })
})

describe('BinaryCopyWriter', () => {
  it('writes texts that read back byte for byte, past any estimate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), {
          maxLength: 30,
        }),
        fc.nat({ max: 100 }),
        (rows, estimate) => {
          const writer = new BinaryCopyWriter(estimate)
          for (const [a, b] of rows) writer.row(2).text(a).text(b)
          const data = writer.end()
          // what PostgreSQL reads as text is the UTF-8 of each string
          const offsets = binaryCopyFields(data, 2)
          const read: string[][] = []
          for (let at = 0; at < offsets.length; at += 4) {
            read.push([
              data.toString('utf8', offsets[at], offsets[at + 1]),
              data.toString('utf8', offsets[at + 2], offsets[at + 3]),
            ])
          }
          expect(read).toEqual(rows.map((r) => r.map((s) => Buffer.from(s).toString())))
        },
      ),
    )
  })

  it('writes an int8 and a timestamptz as PostgreSQL sends them: big-endian, from 2000', () => {
    const values = [
      0,
      1,
      -1,
      2 ** 32,
      -(2 ** 32) - 1,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
    ]
    const writer = new BinaryCopyWriter(0)
    for (const v of values) writer.row(1).int8(v)
    // 2026-11-29T21:26:50.123456Z
    const unix = Date.UTC(2026, 10, 29, 21, 26, 50, 123) * 1000 + 456
    writer.row(1).timestamptz(unix)
    const data = writer.end()
    const offsets = binaryCopyFields(data, 1)
    const read = Array.from({ length: offsets.length / 2 }, (_, i) =>
      data.readBigInt64BE(offsets[i * 2]),
    )
    expect(read).toEqual([...values.map(BigInt), BigInt(unix) - 946_684_800_000_000n])
    expect(() => new BinaryCopyWriter(0).row(1).int8(2 ** 53)).toThrow(RangeError)
  })
})
