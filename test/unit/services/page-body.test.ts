import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PageBody } from '../../../src/services/page-body.js'
import { stringTexts } from '../../../src/services/string-texts.js'

const HEAD = Buffer.from('{"more":false,"objects":[')
const TAIL = Buffer.from(']}')

const whole = (texts: string[]) => `{"more":false,"objects":[${texts.join(',')}]}`

/** The body written into buffers of `size` bytes one after another, as send-page.ts does. */
function inChunks(body: PageBody, size: number): Buffer[] {
  const chunks: Buffer[] = []
  for (let part = 0; part < body.parts;) {
    let target = Buffer.alloc(size)
    let filled = body.fill(target, 0, part)
    if (filled.part === part) {
      target = Buffer.alloc(body.partSize(part))
      filled = body.fill(target, 0, part)
    }
    chunks.push(target.subarray(0, filled.at))
    part = filled.part
  }
  return chunks
}

describe('PageBody', () => {
  it('is the head, the texts joined by commas and the tail, sized as UTF-8', () => {
    const texts = ['{"a":1}', '{"name":"café ☕"}', '{"b":"𝄞"}']
    const body = new PageBody(HEAD, stringTexts(texts), TAIL)
    expect(body.size).toBe(Buffer.byteLength(whole(texts)))
    const bytes = Buffer.alloc(body.size)
    expect(body.fill(bytes, 0, 0)).toEqual({ at: body.size, part: body.parts })
    expect(bytes.toString('utf8')).toBe(whole(texts))
  })

  it('of no texts is the head and the tail', () => {
    const body = new PageBody(Buffer.from('{}'), stringTexts([]), Buffer.alloc(0))
    expect(body.parts).toBe(2)
    const bytes = Buffer.alloc(body.size)
    body.fill(bytes, 0, 0)
    expect(bytes.toString()).toBe('{}')
  })

  it('writes parts whole: it stops before one that does not fit', () => {
    const texts = ['{"a":"xxxxxxxxxx"}', '{"b":2}']
    const body = new PageBody(HEAD, stringTexts(texts), TAIL)
    // the head and the first text, and one byte short of the comma and the second
    const target = Buffer.alloc(HEAD.length + texts[0]!.length + texts[1]!.length)
    expect(body.fill(target, 0, 0)).toEqual({ at: HEAD.length + texts[0]!.length, part: 2 })
    expect(body.partSize(2)).toBe(1 + texts[1]!.length)
    // a part larger than the room left is not begun
    expect(body.fill(Buffer.alloc(5), 0, 1)).toEqual({ at: 0, part: 1 })
  })

  it('written in chunks of any size, is the same bytes, each chunk ending between parts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.json({ maxDepth: 2 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 200 }),
        (texts, size) => {
          const body = new PageBody(HEAD, stringTexts(texts), TAIL)
          const chunks = inChunks(body, size)
          expect(Buffer.concat(chunks).toString('utf8')).toBe(whole(texts))
          // every chunk ends where a part ends, and only a part alone outgrows a chunk
          const ends = new Set<number>()
          for (let k = 0, end = 0; k < body.parts; k++) ends.add((end += body.partSize(k)))
          let at = 0
          for (const chunk of chunks) {
            const start = at
            at += chunk.length
            expect(ends.has(at)).toBe(true)
            if (chunk.length > size) {
              expect([...ends].filter((end) => end > start && end < at)).toEqual([])
            }
          }
        },
      ),
    )
  })
})
