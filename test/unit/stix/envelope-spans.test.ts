import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TaxiiError } from '../../../src/errors.js'
import { envelopeSpans } from '../../../src/stix/envelope-spans.js'
import { readEnvelope, readEnvelopeInTurns, type EnvelopeItem } from '../../../src/stix/envelope.js'

const spansOf = (body: string, maxObjects = 1000) => envelopeSpans(Buffer.from(body), maxObjects)

/** The element texts the spans point at. */
function elements(body: string, maxObjects = 1000): string[] | undefined {
  const bytes = Buffer.from(body)
  const spans = envelopeSpans(bytes, maxObjects)
  return spans?.starts.map((start, k) => bytes.toString('utf8', start, spans.ends[k]))
}

describe('envelopeSpans: a well-formed envelope', () => {
  it('T-161 finds each element of objects, with its : count', () => {
    const a = '{"type":"indicator","x":{"y":[1,{"z":2}]}}'
    const b = '{}'
    const body = `{"objects":[${a},${b}]}`
    expect(elements(body)).toEqual([a, b])
    expect(spansOf(body)?.colons).toEqual([4, 0])
  })

  it('S-213 finds elements among odd whitespace and strings holding brackets and escapes', () => {
    const a = String.raw`{ "a" : "}]\"{[" , "b":"\\" }`
    const b = '{\n"c":[ ]\t}'
    const body = `\r\n {\t"objects" :\n[ ${a} ,\r\n${b}\n] } \n`
    expect(elements(body)).toEqual([a, b])
  })

  it('T-166 reads past other members before and after objects, of every kind', () => {
    const others = '"more":true,"next":"x\\"y","n":-1.5e3,"z":null,"o":{"objects":[1]},"l":[[]]'
    expect(elements(`{${others},"objects":[{}]}`)).toEqual(['{}'])
    expect(elements(`{"objects":[{}],${others}}`)).toEqual(['{}'])
  })

  it('S-213 walks characters of two, three and four bytes in names and values alike', () => {
    const a = '{"name":"Réseau № 7 😀","x":"\\"ü\\\\"}'
    const b = '{"ключ":"值"}'
    expect(elements(`{"nöte":"€","objects":[${a},${b}],"ß":["é"]}`)).toEqual([a, b])
  })

  it('T-161 finds objects spelled with escapes', () => {
    expect(elements('{"\\u006fbjects":[{"a":1}]}')).toEqual(['{"a":1}'])
  })

  it('T-167 takes exactly maxObjects elements and no more', () => {
    expect(elements('{"objects":[{},{}]}', 2)).toEqual(['{}', '{}'])
    expect(elements('{"objects":[{},{},{}]}', 2)).toBeUndefined()
  })
})

describe('envelopeSpans: anything else is left to the text reader', () => {
  it.each([
    ['an empty body', ''],
    ['an array', '[{"objects":[{}]}]'],
    ['no objects member', '{"more":false}'],
    ['an empty object', '{}'],
    ['objects named twice', '{"objects":[{}],"objects":[{}]}'],
    ['objects not an array', '{"objects":{}}'],
    ['objects empty', '{"objects":[]}'],
    ['an element that is not an object', '{"objects":[{},1]}'],
    ['a trailing comma among elements', '{"objects":[{},]}'],
    ['a trailing comma among members', '{"objects":[{}],}'],
    ['a missing comma', '{"objects":[{}{}]}'],
    ['a missing colon', '{"objects" [{}]}'],
    ['an unquoted member name', '{objects:[{}]}'],
    ['a bad escape in a member name', '{"obj\\x":1,"objects":[{}]}'],
    ['a bad value in another member', '{"more":tru,"objects":[{}]}'],
    ['an unterminated other member', '{"more":[1,"objects":[{}]}'],
    ['text after the envelope', '{"objects":[{}]} x'],
    ['a second envelope', '{"objects":[{}]}{}'],
    ['an unterminated element', '{"objects":[{"a":"}]}'],
    ['an unclosed array', '{"objects":[{}'],
    ['a character outside any string', '{"objects":[{}]é}'],
  ])('%s', (_name, body) => {
    expect(spansOf(body)).toBeUndefined()
  })
})

const described = (items: EnvelopeItem[]) =>
  items.map(({ value: _, source, ...rest }) => ({ ...rest, source: String(source) }))

/** What readEnvelope makes of a body: items without values (texts decide them), or the error. */
function outcome(body: string | Buffer) {
  try {
    return described(readEnvelope(body, { maxObjects: 4 }))
  } catch (err) {
    if (err instanceof TaxiiError) return err.toResource()
    throw err
  }
}

/** The same, from readEnvelopeInTurns. */
async function outcomeInTurns(body: string | Buffer) {
  try {
    return described(await readEnvelopeInTurns(body, { maxObjects: 4 }))
  } catch (err) {
    if (err instanceof TaxiiError) return err.toResource()
    throw err
  }
}

const ws = fc.constantFrom('', ' ', '\n', '\t ', '\r\n')
const member = fc.tuple(
  fc.constantFrom('"a"', '"type"', '"id"', '"a"', '"\\u0061"', '"x\\"y"', '"objects"'),
  fc.oneof(
    fc.json({ maxDepth: 2 }),
    fc.constantFrom('"\\ud800"', '"\\uFFFE"', '"\\ud83d\\ude00"', '"\\\\ud800"'),
    // characters UTF-8 writes in two, three and four bytes, and raw noncharacters (S-001)
    fc.constantFrom('"été"', '"€ 值"', '"😀"', '"\uFFFE"', '"a\uFDD0"', '"\u{10FFFF}"'),
    // strings long enough to be searched natively past their first bytes (skipString), with
    // escaped quotes and runs of backslashes on either side of where the search starts
    fc
      .string({
        minLength: 10,
        maxLength: 40,
        unit: fc.constantFrom('a', '"', '\\', '}', ']', ':', 'é', '😀'),
      })
      .map((s) => JSON.stringify(s)),
  ),
)
const element = fc
  .array(member, { maxLength: 5 })
  .chain((members) =>
    fc
      .tuple(...members.map(() => ws))
      .map((spaces) => `{${members.map(([k, v], i) => `${spaces[i]}${k}:${v}`).join(',')}}`),
  )
const envelope = fc
  .tuple(
    fc.array(element, { maxLength: 6 }),
    fc.array(fc.tuple(fc.constantFrom('"more"', '"next"', '"objects"'), fc.json()), {
      maxLength: 2,
    }),
    ws,
    ws,
  )
  .map(
    ([items, others, a, b]) =>
      `${a}{${[...others.map(([k, v]) => `${k}:${v}`), `"objects":[${items.join(`,${b}`)}]`].join(',')}}${b}`,
  )
/** The body with one character replaced, inserted or removed: mostly no longer an envelope. */
const mutated = fc
  .tuple(
    envelope,
    fc.nat(),
    fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', ' ', '1', 'é', '\uFFFF'),
  )
  .map(([body, at, c]) => {
    const i = at % (body.length + 1)
    return body.slice(0, i) + c + body.slice(i + (at % 2))
  })

describe('readEnvelope from bytes agrees with readEnvelope from text', () => {
  it('T-161 T-167 S-001 on generated envelopes, well-formed or one character off', () => {
    fc.assert(
      fc.property(fc.oneof(envelope, mutated), (body) => {
        const bytes = Buffer.from(body)
        fc.pre(new TextDecoder().decode(bytes) === body)
        expect(outcome(bytes)).toEqual(outcome(body))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('readEnvelopeInTurns', () => {
  it('T-161 T-167 S-001 reads every generated body as readEnvelope does, as bytes or text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(envelope, mutated), async (body) => {
        const bytes = Buffer.from(body)
        fc.pre(new TextDecoder().decode(bytes) === body)
        expect(await outcomeInTurns(bytes)).toEqual(outcome(bytes))
        expect(await outcomeInTurns(body)).toEqual(outcome(body))
      }),
      { numRuns: 1000 },
    )
  })

  it.each([
    ['ASCII', 'x'],
    ['UTF-8', 'Réseau № 😀'],
  ])(
    'gives the event loop turns while it parses a large %s envelope, and reads it whole',
    async (_, name) => {
      const count = 1000
      const body = Buffer.from(
        `{"objects":[${Array.from({ length: count }, (_, i) => `{"type":"x-thing","name":"${name}","n":${i}}`).join(',')}]}`,
      )
      let turns = 0
      let done = false
      const turn = () => {
        turns++
        if (!done) setImmediate(turn)
      }
      setImmediate(turn)
      const items = await readEnvelopeInTurns(body, { maxObjects: count })
      done = true
      expect(items.map((item) => (item.value as { n: number }).n)).toEqual(
        Array.from({ length: count }, (_, i) => i),
      )
      expect(items.every((item) => Buffer.isBuffer(item.source))).toBe(true)
      // one turn between each run of elements
      expect(turns).toBeGreaterThanOrEqual(9)
    },
  )
})
