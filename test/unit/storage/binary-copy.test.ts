import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  BinaryCopyError,
  BinaryCopyWriter,
  CopyFields,
  wholeCopyData,
  type CopyData,
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

/**
 * `data` cut at these offsets (any order, repeats and ends allowed), as COPY output may arrive:
 * each piece in a chunk of its own between bytes that are not the output (message heads).
 */
function cut(data: Buffer, at: readonly number[]): CopyData {
  const ends = [...at.map((a) => a % (data.length + 1)), data.length].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  const spans: number[] = []
  let from = 0
  for (const to of ends) {
    const noise = Buffer.from('d\0\0\0\x09')
    chunks.push(Buffer.concat([noise, data.subarray(from, to), noise]))
    spans.push(chunks.length - 1, noise.length, noise.length + to - from)
    from = to
  }
  return { chunks, spans: Int32Array.from(spans) }
}

function fieldsOf(data: CopyData, width: number): string[][] {
  const fields = new CopyFields(data, width)
  const rows: string[][] = []
  for (let r = 0; r < fields.rows; r++) {
    const row: string[] = []
    for (let f = 0; f < width; f++) {
      const bytes = Buffer.alloc(fields.size(r, f))
      expect(fields.copy(r, f, bytes, 0)).toBe(bytes.length)
      row.push(bytes.toString('utf8'))
    }
    rows.push(row)
  }
  return rows
}

describe('CopyFields', () => {
  it('gives back every field of every row, byte for byte, however the output is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string(), fc.string({ unit: 'grapheme' }), fc.string()), {
          maxLength: 20,
        }),
        fc.uint8Array({ maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (rows, extension, cuts) => {
          const data = copyOutput(rows, Buffer.from(extension))
          expect(fieldsOf(cut(data, cuts), 3)).toEqual(rows)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('reads an int8 cut anywhere, and every byte of output cut into single bytes', () => {
    const value = -0x0002030405060708n
    const int8 = Buffer.alloc(8)
    int8.writeBigInt64BE(value)
    const raw = new BinaryCopyWriter(0).row(1).int8(Number(value)).end()
    for (let at = 0; at <= raw.length; at++) {
      expect(new CopyFields(cut(raw, [at]), 1).int8(0, 0)).toBe(value)
    }
    const bytes = cut(
      raw,
      [...raw.keys()].map((i) => i + 1),
    )
    expect(new CopyFields(bytes, 1).int8(0, 0)).toBe(value)
  })

  it('reads no rows from an empty result', () => {
    expect(new CopyFields(wholeCopyData(copyOutput([])), 3).rows).toBe(0)
  })

  it('refuses text output, a cut output, a NULL and a row of another width', () => {
    expect(() => new CopyFields(wholeCopyData(Buffer.from('1\t2\t3\n')), 3)).toThrow(
      BinaryCopyError,
    )
    const whole = copyOutput([['1', '2', '3']])
    for (let end = 0; end < whole.length; end++) {
      expect(() => new CopyFields(wholeCopyData(whole.subarray(0, end)), 3)).toThrow(
        BinaryCopyError,
      )
      expect(() => new CopyFields(cut(whole.subarray(0, end), [end >> 1]), 3)).toThrow(
        BinaryCopyError,
      )
    }
    expect(() => new CopyFields(wholeCopyData(copyOutput([['1', null, '3']])), 3)).toThrow(/NULL/)
    expect(() => new CopyFields(wholeCopyData(copyOutput([['1', '2']])), 3)).toThrow(/2 fields/)
  })
})

describe('BinaryCopyWriter', () => {
  it('writes texts, given as strings or as bytes, that read back byte for byte, past any estimate, into any memory given back', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ unit: 'grapheme' }),
            fc.string({ unit: 'binary' }),
            fc.string({ unit: 'grapheme' }),
          ),
          { maxLength: 30 },
        ),
        fc.nat({ max: 100 }),
        fc.option(fc.nat({ max: 400 }), { nil: undefined }),
        (rows, estimate, spare) => {
          // memory given back holds the rows of an earlier COPY
          const memory = spare === undefined ? undefined : Buffer.alloc(spare, 0xaa)
          const writer = new BinaryCopyWriter(estimate, memory)
          // written into if it holds the estimate and the 19-byte header (64 bytes at least)
          const fits = memory !== undefined && memory.length >= 19 + Math.max(estimate, 64)
          expect(writer.memory === memory).toBe(fits)
          for (const [a, b, c] of rows) writer.row(3).text(a).text(b).text(Buffer.from(c))
          // what PostgreSQL reads as text is the UTF-8 of each string
          expect(fieldsOf(wholeCopyData(writer.end()), 3)).toEqual(
            rows.map((r) => r.map((s) => Buffer.from(s).toString())),
          )
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
    const fields = new CopyFields(wholeCopyData(writer.end()), 1)
    const read = Array.from({ length: fields.rows }, (_, r) => fields.int8(r, 0))
    expect(read).toEqual([...values.map(BigInt), BigInt(unix) - 946_684_800_000_000n])
    expect(() => new BinaryCopyWriter(0).row(1).int8(2 ** 53)).toThrow(RangeError)
  })

  it('writes a timestamptz into its slot later, as if written in place, after the buffer grew', () => {
    const unix = Date.UTC(2026, 10, 29, 21, 26, 50, 123) * 1000 + 456
    const inPlace = new BinaryCopyWriter(0)
    const later = new BinaryCopyWriter(0)
    const slots: number[] = []
    for (let i = 0; i < 100; i++) {
      inPlace
        .row(2)
        .timestamptz(unix + i)
        .text('x'.repeat(i))
      slots.push(later.row(2).timestamptzSlot())
      later.text('x'.repeat(i))
    }
    slots.forEach((slot, i) => later.setTimestamptz(slot, unix + i))
    expect(later.end().equals(inPlace.end())).toBe(true)
  })
})
