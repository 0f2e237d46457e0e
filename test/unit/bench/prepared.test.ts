import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  checkRoom,
  PreparedEnvelopes,
  prepareCopyRows,
  readBuffer,
  removePrepared,
} from '../../../bench/prepared.js'
import { EnvelopeWriter, objectId, objectText } from '../../../bench/stix.js'

afterEach(() => removePrepared())

describe('PreparedEnvelopes', () => {
  it('reads back the envelopes the writer makes, the last one holding the rest', () => {
    const prepared = new PreparedEnvelopes(500, 2_345)
    expect(prepared.envelopes).toBe(3)
    expect([0, 1, 2].map((k) => prepared.size(k))).toEqual([1000, 1000, 345])
    const writer = new EnvelopeWriter()
    const into = readBuffer()
    // out of order and again, as posters take them
    for (const k of [2, 0, 1, 0]) {
      const expected = writer.write(500 + k * 1000, prepared.size(k)).toString('latin1')
      expect(prepared.read(k, into).toString('latin1')).toBe(expected)
    }
    prepared.close()
  })

  it('grows a buffer too small for an envelope', () => {
    const prepared = new PreparedEnvelopes(0, 1000)
    const into = { bytes: Buffer.alloc(10) }
    const body = prepared.read(0, into)
    expect((JSON.parse(body.toString('utf8')) as { objects: unknown[] }).objects).toHaveLength(1000)
    expect(into.bytes.length).toBeGreaterThanOrEqual(body.length)
    prepared.close()
  })

  it('checks there is room for a file before writing it, and says where and how much if not', () => {
    const dir = tmpdir()
    expect(() => checkRoom(dir, 1000)).not.toThrow()
    expect(() => checkRoom(dir, 10 ** 12)).toThrow(
      /writes what it sends to .* needs 858306949 MB free there for 1000000000000 objects; \d+ MB are free\. Point TMPDIR/,
    )
  })
})

describe('prepareCopyRows', () => {
  it('writes one COPY row per object, id, body and date_added, and removePrepared deletes it', () => {
    const path = prepareCopyRows(1_500)
    const rows = readFileSync(path, 'utf8').split('\n')
    expect(rows.pop()).toBe('')
    expect(rows).toHaveLength(1_500)
    for (const i of [0, 999, 1000, 1499]) {
      expect(rows[i]!.split('\t')).toEqual([
        objectId(i),
        objectText(i),
        new Date(Date.UTC(2025, 0, 1) + i).toISOString(),
      ])
    }
    removePrepared()
    expect(existsSync(dirname(path))).toBe(false)
  })
})
