import { describe, it, expect } from 'vitest'
import { TaxiiError } from '../../../src/errors.js'
import { readEnvelope, type EnvelopeItem } from '../../../src/stix/envelope.js'

/** What readEnvelope makes of a body: its items, or the TaxiiError it throws. */
function outcome(body: string | Buffer, maxObjects: number): EnvelopeItem[] | TaxiiError {
  try {
    return readEnvelope(body, { maxObjects })
  } catch (err) {
    if (err instanceof TaxiiError) return err
    throw err
  }
}

/** An item without its value, its source as text: equal texts parse to equal values. */
const shape = ({ value: _, source, ...rest }: EnvelopeItem) => ({ ...rest, source: String(source) })

/**
 * readEnvelope of the text and of its UTF-8 bytes, as a request gives them (a UTF-8 body is
 * read from its bytes, envelope-spans.ts): the two must agree. Text that its bytes do not give
 * back (a lone surrogate has no UTF-8 form; decoding drops a byte order mark) is read as text only.
 */
function bothWays(body: string, maxObjects: number): EnvelopeItem[] | TaxiiError {
  const fromText = outcome(body, maxObjects)
  const bytes = Buffer.from(body)
  if (new TextDecoder().decode(bytes) === body) {
    const fromBytes = outcome(bytes, maxObjects)
    if (fromText instanceof TaxiiError) {
      expect(fromBytes).toBeInstanceOf(TaxiiError)
      expect((fromBytes as TaxiiError).toResource()).toEqual(fromText.toResource())
    } else {
      expect(fromBytes).not.toBeInstanceOf(TaxiiError)
      expect((fromBytes as EnvelopeItem[]).map(shape)).toEqual(fromText.map(shape))
    }
  }
  return fromText
}

function read(body: string, maxObjects = 1000): EnvelopeItem[] {
  const result = bothWays(body, maxObjects)
  if (result instanceof TaxiiError) throw result
  return result
}

function failure(body: string, maxObjects = 1000): TaxiiError {
  const result = bothWays(body, maxObjects)
  if (result instanceof TaxiiError) return result
  throw new Error('readEnvelope did not throw')
}

const texts = (body: string): string[] => read(body).map((item) => String(item.source))
const problems = (body: string): (string | undefined)[] => read(body).map((item) => item.problem)

const indicator = {
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--4d755a59-8606-4662-bea2-a196d66bb4d7',
  created: '2025-07-14T09:30:00.000Z',
  modified: '2025-07-14T09:30:00.000Z',
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: '2025-07-14T09:30:00Z',
}

describe('readEnvelope: element text and values', () => {
  it('T-161 S-213 returns each element with its index, exact text and parsed value', () => {
    const a = JSON.stringify(indicator)
    const b = JSON.stringify({
      ...indicator,
      id: 'indicator--603764c0-1bb7-48af-94aa-e49922e9bf74',
    })
    const items = read(`{"objects":[${a},${b}]}`)
    expect(items).toEqual([
      { index: 0, source: a, value: indicator },
      { index: 1, source: b, value: JSON.parse(b) as unknown },
    ])
    expect(items.every((item) => !('problem' in item))).toBe(true)
  })

  it('S-213 keeps odd whitespace inside elements and drops it between them', () => {
    const el0 = '{ "type" :\t"indicator" ,\r\n  "x" : [ 1 ,2\n, { } ] }'
    const el1 = '{\n}'
    const body = `\r\n { \n"objects"\t:\r\n [\n\t${el0}  ,\r\n\t ${el1}\n]\n}\n `
    expect(texts(body)).toEqual([el0, el1])
  })

  it('S-213 keeps unicode, raw and escaped, byte-for-byte', () => {
    const el = '{"name":"Ünïcødé 端点 😀","desc":"caf\\u00e9 \\ud83d\\ude00 \\u2028","n":"\u2028"}'
    const [item] = read(`{"objects":[${el}]}`)
    expect(item?.source).toBe(el)
    expect(item?.value).toEqual({ name: 'Ünïcødé 端点 😀', desc: 'café 😀 \u2028', n: '\u2028' })
    expect(item?.problem).toBeUndefined()
  })

  it('S-213 is not fooled by escaped quotes, backslashes or brackets inside strings', () => {
    const el0 = String.raw`{"a":"say \"}]\" ok","b":"ends with a backslash \\","c":"\\\"","d":"{[","e":"\\\\"}`
    const el1 = String.raw`{"pattern":"[file:name = 'a\\\\b' AND x:y MATCHES '\\]']"}`
    const items = read(`{"objects":[${el0},${el1}]}`)
    expect(items.map((item) => item.source)).toEqual([el0, el1])
    expect(items[0]?.value).toEqual({
      a: 'say "}]" ok',
      b: 'ends with a backslash \\',
      c: '\\"',
      d: '{[',
      e: '\\\\',
    })
  })

  it('S-213 handles nested arrays and objects inside elements', () => {
    const el = '{"a":[[1,[2,[3]]],{"b":[{"c":[]}]}],"d":{"e":{"f":[{}]}},"g":[[]]}'
    const items = read(`{"objects":[${el},${el}]}`)
    expect(items.map((item) => item.source)).toEqual([el, el])
    expect(items[1]?.value).toEqual(JSON.parse(el))
  })

  it('S-213 keeps number and literal spellings as sent', () => {
    const el = '{"a":1.50,"b":-0,"c":1E+2,"d":true,"e":false,"f":null,"g":0.0}'
    expect(texts(`{"objects":[${el}]}`)).toEqual([el])
  })

  it('S-213 returns substrings of the body that rebuild it with the separators', () => {
    const objects = Array.from({ length: 1000 }, (_, i) => ({ ...indicator, name: `n${i}` }))
    const body = JSON.stringify({ more: false, objects })
    const items = read(body)
    expect(items).toHaveLength(1000)
    expect(`{"more":false,"objects":[${items.map((i) => i.source).join(',')}]}`).toBe(body)
    expect(items.map((i) => i.index)).toEqual(objects.map((_, i) => i))
    expect(items.map((i) => i.value)).toEqual(objects)
  })

  it('T-087 numbers elements by their 0-based position in objects', () => {
    const items = read('{"objects":[{"a":1},{"a":2},{"a":3}]}')
    expect(items.map((i) => i.index)).toEqual([0, 1, 2])
  })

  it('handles very deep nesting inside an element without recursion', () => {
    const depth = 50_000
    const el = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`
    const [item] = read(`{"objects":[${el}]}`)
    expect(item?.source).toBe(el)
    expect(item?.problem).toBeUndefined()
    const dup = `{"a":${'['.repeat(depth)}{"x":1,"x":2}${']'.repeat(depth)}}`
    expect(read(`{"objects":[${dup}]}`)[0]?.problem).toMatch(/^S-001 duplicate member name "x"/)
  })
})

describe('readEnvelope: other envelope members', () => {
  it('T-166 ignores more, next and custom members before and after objects', () => {
    const body =
      '{"more":true,"next":"abc","x_custom":{"objects":[1,2],"s":"]}\\""},' +
      '"objects":[{"a":1}],"y":[{"objects":"no"}],"z":null}'
    expect(texts(body)).toEqual(['{"a":1}'])
  })

  it('T-166 tolerates duplicate names among the ignored members (last wins)', () => {
    expect(texts('{"more":true,"more":false,"objects":[{"a":1}],"x":1,"x":2}')).toEqual(['{"a":1}'])
  })

  it('T-166 ignores lone surrogates and duplicates in members other than objects', () => {
    const body = '{"x":"\\ud800","y":{"k":1,"k":2},"objects":[{"a":1}],"z":"\ud800"}'
    expect(read(body)).toEqual([{ index: 0, source: '{"a":1}', value: { a: 1 } }])
  })

  it('T-167 rejects an envelope naming objects twice (422)', () => {
    for (const body of [
      '{"objects":[{"a":1}],"objects":[{"b":2}]}',
      '{"objects":"x","objects":[{"b":2}]}',
      '{"objects":[{"a":1}],"obj\\u0065cts":[{"b":2}]}',
      // the first array is longer than the one JSON.parse kept, and holds a non-object
      '{"objects":[false,{}],"objects":[{}]}',
    ]) {
      const err = failure(body)
      expect(err.httpStatus).toBe(422)
      expect(err.code).toBe('TAXII_ERR_INVALID_ENVELOPE')
      expect(err.description).toMatch(/"objects" more than once/)
    }
  })

  it('T-161 finds objects spelled with escapes', () => {
    expect(texts('{"\\u006fbjects":[{"a":1}]}')).toEqual(['{"a":1}'])
  })
})

describe('readEnvelope: S-001 duplicate member names (object-level, T-168)', () => {
  it('S-001 flags a duplicate at the top of an element and leaves the others alone', () => {
    const body = '{"objects":[{"id":"a"},{"id":"b","type":"x","id":"c"},{"id":"d"}]}'
    const items = read(body)
    expect(items.map((i) => i.problem)).toEqual([
      undefined,
      'S-001 duplicate member name "id" at objects[1]',
      undefined,
    ])
    expect(items[1]?.source).toBe('{"id":"b","type":"x","id":"c"}')
  })

  it('S-001 flags duplicates at depth, with the path of the object holding them', () => {
    expect(problems('{"objects":[{"a":{"b":{"c":1,"c":2}}}]}')).toEqual([
      'S-001 duplicate member name "c" at objects[0].a.b',
    ])
    expect(
      problems(
        '{"objects":[{"kill_chain_phases":[{"phase_name":"x"},{"phase_name":"y","phase_name":"z"}]}]}',
      ),
    ).toEqual(['S-001 duplicate member name "phase_name" at objects[0].kill_chain_phases[1]'])
    expect(problems('{"objects":[{"x-y z":[[{"k":1,"k":1}]]}]}')).toEqual([
      'S-001 duplicate member name "k" at objects[0]["x-y z"][0][0]',
    ])
  })

  it('S-001 compares member names after decoding escapes', () => {
    expect(problems('{"objects":[{"id":"a","\\u0069d":"b"}]}')).toEqual([
      'S-001 duplicate member name "id" at objects[0]',
    ])
    expect(problems('{"objects":[{"a\\"b":1,"a\\u0022b":2}]}')).toEqual([
      'S-001 duplicate member name "a\\"b" at objects[0]',
    ])
  })

  it('S-001 reports the first duplicate in document order, even under a replaced member', () => {
    expect(problems('{"objects":[{"a":{"x":1,"x":2},"a":3}]}')).toEqual([
      'S-001 duplicate member name "x" at objects[0].a',
    ])
  })

  it('S-001 names paths from the element itself when told to (an object read alone)', () => {
    const body =
      '{"objects":[{"id":"a","id":"b"},{"x":{"y":[{"k":1,"k":2}]}},{"x-y z":{"k":1,"k":2}},{"n":1e400}]}'
    const alone = { maxObjects: 10, elementPath: () => '' }
    const expected = [
      'S-001 duplicate member name "id" at the top level',
      'S-001 duplicate member name "k" at x.y[0]',
      'S-001 duplicate member name "k" at ["x-y z"]',
      'S-001 the number 1e400 at n is beyond the range of an IEEE 754 double',
    ]
    expect(readEnvelope(body, alone).map((i) => i.problem)).toEqual(expected)
    expect(readEnvelope(Buffer.from(body), alone).map((i) => i.problem)).toEqual(expected)
  })

  it('S-001 allows the same name in sibling or nested objects', () => {
    expect(problems('{"objects":[{"a":{"a":{"a":1}},"b":[{"a":1},{"a":1}],"c":{"a":1}}]}')).toEqual(
      [undefined],
    )
  })

  it('S-001 allows names that differ only by case or by an escaped backslash', () => {
    expect(problems('{"objects":[{"id":1,"ID":2,"i\\\\d":3}]}')).toEqual([undefined])
  })

  it('S-001 keeps the parsed value of an element with duplicates (last wins)', () => {
    expect(read('{"objects":[{"a":1,"a":2}]}')[0]?.value).toEqual({ a: 2 })
  })

  it('S-001 truncates very long duplicate names in the message', () => {
    const name = 'n'.repeat(500)
    const [problem] = problems(`{"objects":[{"${name}":1,"${name}":2}]}`)
    expect(problem).toBe(`S-001 duplicate member name "${'n'.repeat(64)}…" at objects[0]`)
  })
})

describe('readEnvelope: S-001 invalid Unicode (object-level, T-168)', () => {
  it('S-001 flags an escaped lone high surrogate', () => {
    expect(problems('{"objects":[{"name":"a\\ud800b"}]}')).toEqual([
      'S-001 lone surrogate U+D800 in a string at objects[0].name',
    ])
  })

  it('S-001 flags an escaped lone low surrogate, in upper-case hex too', () => {
    expect(problems('{"objects":[{"name":"\\uDC00"}]}')).toEqual([
      'S-001 lone surrogate U+DC00 in a string at objects[0].name',
    ])
  })

  it('S-001 flags an escaped high surrogate at the end or followed by a non-surrogate', () => {
    expect(problems('{"objects":[{"a":"x\\ud83d"},{"b":["\\ud83d\\u0041"]}]}')).toEqual([
      'S-001 lone surrogate U+D83D in a string at objects[0].a',
      'S-001 lone surrogate U+D83D in a string at objects[1].b[0]',
    ])
  })

  it('S-001 flags two high surrogates in a row', () => {
    expect(problems('{"objects":[{"a":"\\ud83d\\ud83d\\ude00"}]}')).toEqual([
      'S-001 lone surrogate U+D83D in a string at objects[0].a',
    ])
  })

  it('S-001 flags a raw lone surrogate', () => {
    expect(problems('{"objects":[{"a":"ok"},{"name":"x\ud800y"},{"b":"\udfff"}]}')).toEqual([
      undefined,
      'S-001 lone surrogate U+D800 in a string at objects[1].name',
      'S-001 lone surrogate U+DFFF in a string at objects[2].b',
    ])
  })

  it('S-001 flags a lone surrogate in a member name', () => {
    expect(problems('{"objects":[{"x":{"a\\udc00":1}}]}')).toEqual([
      'S-001 lone surrogate U+DC00 in a member name at objects[0].x',
    ])
    expect(problems('{"objects":[{"a\ud800":1}]}')).toEqual([
      'S-001 lone surrogate U+D800 in a member name at objects[0]',
    ])
  })

  it('S-001 accepts surrogate pairs, raw and escaped', () => {
    expect(
      problems('{"objects":[{"a":"😀","b":"\\ud83d\\ude00","\\uD83D\\uDE00":"\\u00e9"}]}'),
    ).toEqual([undefined])
  })

  it('S-001 is not fooled by an escaped backslash followed by "ud800"', () => {
    const [item] = read('{"objects":[{"a":"\\\\ud800","b":"\\\\\\\\ud800"}]}')
    expect(item?.problem).toBeUndefined()
    expect(item?.value).toEqual({ a: '\\ud800', b: '\\\\ud800' })
    expect(problems('{"objects":[{"a":"\\\\\\ud800"}]}')).toEqual([
      'S-001 lone surrogate U+D800 in a string at objects[0].a',
    ])
  })

  it('S-001 flags noncharacters, which I-JSON excludes (RFC 7493 §2.1)', () => {
    expect(
      problems(
        '{"objects":[{"a":"\\uFFFE"},{"a":"\\ufdd0"},{"a":"\uffff"},{"a":"\\ud83f\\udffe"},{"a":"\u{10FFFF}"},{"a":"\ufdef"}]}',
      ),
    ).toEqual([
      'S-001 noncharacter U+FFFE in a string at objects[0].a',
      'S-001 noncharacter U+FDD0 in a string at objects[1].a',
      'S-001 noncharacter U+FFFF in a string at objects[2].a',
      'S-001 noncharacter U+1FFFE in a string at objects[3].a',
      'S-001 noncharacter U+10FFFF in a string at objects[4].a',
      'S-001 noncharacter U+FDEF in a string at objects[5].a',
    ])
  })

  it('S-001 accepts the neighbours of noncharacters', () => {
    expect(problems('{"objects":[{"a":"\\ufdcf\\ufdf0\\ufffd\ufffd\\ud83f\\udffd"}]}')).toEqual([
      undefined,
    ])
  })

  it('S-001 reports whichever problem comes first in the element', () => {
    expect(problems('{"objects":[{"a":"\\ud800","b":1,"b":2}]}')).toEqual([
      'S-001 lone surrogate U+D800 in a string at objects[0].a',
    ])
    expect(problems('{"objects":[{"b":1,"b":2,"a":"\\ud800"}]}')).toEqual([
      'S-001 duplicate member name "b" at objects[0]',
    ])
  })

  it('S-001 keeps the exact text of a flagged element', () => {
    const el = '{"a" : "\\ud800" }'
    expect(read(`{"objects":[ ${el} ]}`)[0]).toEqual({
      index: 0,
      source: el,
      value: { a: '\ud800' },
      problem: 'S-001 lone surrogate U+D800 in a string at objects[0].a',
    })
  })
})

describe('readEnvelope: S-001 numbers beyond a double (object-level, T-006, T-168)', () => {
  it('S-001 flags a number that overflows a double, with its path, wherever it is', () => {
    expect(
      problems(
        '{"objects":[{"x_n":1e400},{"x_a":[1,{"y":-1.5E+999}]},{"x_ok":1.7976931348623157e308}]}',
      ),
    ).toEqual([
      'S-001 the number 1e400 at objects[0].x_n is beyond the range of an IEEE 754 double',
      'S-001 the number -1.5E+999 at objects[1].x_a[1].y is beyond the range of an IEEE 754 double',
      undefined,
    ])
  })

  it('S-001 flags an integer of too many digits, shortening it in the message', () => {
    expect(problems(`{"objects":[{"x_big":[0,${'9'.repeat(400)}]}]}`)).toEqual([
      `S-001 the number ${'9'.repeat(20)}… at objects[0].x_big[1] is beyond the range of an IEEE 754 double`,
    ])
  })

  it('S-001 accepts tiny numbers, which round to zero, and digits inside strings', () => {
    expect(problems('{"objects":[{"x_t":1e-400,"x_s":"1e400","id":"a--1e999"}]}')).toEqual([
      undefined,
    ])
  })
})

describe('readEnvelope: S-019 whole numbers written with a fraction or an exponent', () => {
  it('S-019 lists each with its route, its path and its spelling, outside strings only', () => {
    const [item] = read(
      '{"objects":[{"confidence":50.0,"x_a":[1,{"n":2e0}],"x_f":1.5,"x_t":true,"x_s":"5.0","x_n":-3.00E1}]}',
    )
    expect(item!.decimals).toEqual([
      { route: ['confidence'], path: 'confidence', spelling: '50.0' },
      { route: ['x_a', 1, 'n'], path: 'x_a[1].n', spelling: '2e0' },
      { route: ['x_n'], path: 'x_n', spelling: '-3.00E1' },
    ])
  })

  it('S-019 lists none for integers written plainly, fractions and literals', () => {
    const items = read(
      '{"objects":[{"a":50,"b":[true,false,null],"c":0.5,"d":"1.0"},{"e":1.25e1}]}',
    )
    expect(items.map((i) => i.decimals)).toEqual([undefined, undefined])
  })

  it('S-019 finds them in a body that is not ASCII, and reads escaped member names', () => {
    const [item] = read('{"objects":[{"name":"été","x_\\u0063ount":7.0}]}')
    expect(item!.decimals).toEqual([{ route: ['x_count'], path: 'x_count', spelling: '7.0' }])
  })
})

describe('readEnvelope: T-167 malformed JSON (400)', () => {
  it.each([
    ['an empty body', '', 'unexpected end of input at line 1, column 1 (position 0)'],
    ['a blank body', ' \n ', 'unexpected end of input at line 2, column 2 (position 3)'],
    [
      'a truncated body',
      '{"objects":[{"a":1}]',
      'unexpected end of input at line 1, column 21 (position 20)',
    ],
    [
      'a missing value',
      '{"objects":[{"a":}]}',
      "unexpected '}' at line 1, column 18 (position 17)",
    ],
    [
      'a trailing comma in an array',
      '{"objects":[{"a":1},]}',
      "unexpected ']' at line 1, column 21 (position 20)",
    ],
    [
      'a trailing comma in an object',
      '{"objects":[{"a":1,}]}',
      "expected a member name in double quotes, found '}' at line 1, column 20 (position 19)",
    ],
    [
      'single quotes',
      "{'objects':[]}",
      "expected a member name in double quotes, found ''' at line 1, column 2 (position 1)",
    ],
    [
      'a missing colon',
      '{"objects" []}',
      "expected ':', found '[' at line 1, column 12 (position 11)",
    ],
    [
      'a missing comma',
      '{"objects":[{"a":1} {"b":2}]}',
      "expected ',' or ']', found '{' at line 1, column 21 (position 20)",
    ],
    [
      'an unterminated string',
      '{"objects":[{"a":"x}]}',
      'unterminated string at line 1, column 18 (position 17)',
    ],
    [
      'a raw newline in a string',
      '{\n  "objects": [{"a": "x\ny"}]}',
      'unescaped control character U+000A in a string at line 2, column 23 (position 24)',
    ],
    [
      'an invalid escape',
      '{"objects":[{"a":"\\x"}]}',
      'invalid escape in a string at line 1, column 19 (position 18)',
    ],
    [
      'a short \\u escape',
      '{"objects":[{"a":"\\u12"}]}',
      'invalid \\u escape in a string at line 1, column 19 (position 18)',
    ],
    ['NaN', '{"objects":[{"a":NaN}]}', "unexpected 'N' at line 1, column 18 (position 17)"],
    [
      'a leading zero',
      '{"objects":[{"a":01}]}',
      "expected ',' or '}', found '1' at line 1, column 19 (position 18)",
    ],
    ['a bare minus', '{"objects":[{"a":-}]}', "unexpected '-' at line 1, column 18 (position 17)"],
    [
      'a byte order mark',
      '\ufeff{"objects":[{}]}',
      'unexpected U+FEFF at line 1, column 1 (position 0)',
    ],
    [
      'trailing data',
      '{"objects":[{"a":1}]} x',
      "unexpected 'x' after the JSON value at line 1, column 23 (position 22)",
    ],
    [
      'two documents',
      '{"objects":[{}]}{"objects":[{}]}',
      "unexpected '{' after the JSON value at line 1, column 17 (position 16)",
    ],
    [
      'a misspelled literal',
      '{"objects":[{"a":tru}]}',
      "unexpected 't' at line 1, column 18 (position 17)",
    ],
  ])('T-167 answers 400 with the position for %s', (_label, body, where) => {
    const err = failure(body)
    expect(err.httpStatus).toBe(400)
    expect(err.code).toBe('TAXII_ERR_MALFORMED_JSON')
    expect(err.description).toBe(where)
  })
})

describe('readEnvelope: T-167 well-formed JSON that is not an envelope (422)', () => {
  it.each([
    ['an array', '[{"type":"indicator"}]', 'the body is an array, not an envelope object'],
    ['a string', '"objects"', 'the body is a string, not an envelope object'],
    ['a number', '42', 'the body is a number, not an envelope object'],
    ['null', 'null', 'the body is null, not an envelope object'],
    ['true', 'true', 'the body is a boolean, not an envelope object'],
    ['a bare STIX object', JSON.stringify(indicator), 'the envelope has no "objects" member'],
    ['an empty object', '{}', 'the envelope has no "objects" member'],
    ['objects: null', '{"objects":null}', '"objects" is null, not an array'],
    ['objects: {}', '{"objects":{}}', '"objects" is an object, not an array'],
    ['objects: "x"', '{"objects":"x"}', '"objects" is a string, not an array'],
    ['an empty objects', '{"objects":[]}', '"objects" is empty'],
    ['a number element', '{"objects":[{"a":1},42]}', 'objects[1] is a number, not a JSON object'],
    [
      'a string element',
      '{"objects":["indicator--x"]}',
      'objects[0] is a string, not a JSON object',
    ],
    ['an array element', '{"objects":[[{"a":1}]]}', 'objects[0] is an array, not a JSON object'],
    ['a null element', '{"objects":[{},null]}', 'objects[1] is null, not a JSON object'],
    ['a boolean element', '{"objects":[false]}', 'objects[0] is a boolean, not a JSON object'],
  ])('T-167 answers 422 for %s', (_label, body, description) => {
    const err = failure(body)
    expect(err.httpStatus).toBe(422)
    expect(err.code).toBe('TAXII_ERR_INVALID_ENVELOPE')
    expect(err.description).toBe(description)
  })

  it('T-167 answers 422 when objects holds more elements than the configured maximum', () => {
    const body = '{"objects":[{"a":1},{"a":2},{"a":3}]}'
    expect(read(body, 3)).toHaveLength(3)
    const err = failure(body, 2)
    expect(err.httpStatus).toBe(422)
    expect(err.description).toBe('"objects" has 3 elements; the limit is 2')
  })

  it('T-167 checks the envelope before any element (nothing is half-read)', () => {
    expect(failure('{"objects":[{"a":1,"a":2},7]}').httpStatus).toBe(422)
  })

  it('rejects a maxObjects that is not a positive integer as a programming error', () => {
    expect(() => read('{"objects":[{}]}', 0)).toThrow(TypeError)
    expect(() => read('{"objects":[{}]}', 1.5)).toThrow(TypeError)
  })
})
