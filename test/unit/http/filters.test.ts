import { parse } from 'node:querystring'
import { describe, it, expect } from 'vitest'
import { TaxiiError } from '../../../src/errors.js'
import {
  filterFingerprint,
  parseFilters,
  type FilterEndpoint,
  type Filters,
} from '../../../src/http/filters.js'

const ID = 'indicator--4d755a59-8606-4662-bea2-a196d66bb4d7'
const ID2 = 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'
const LAST = { all: false, first: false, last: true, exact: [] }

// Queries go through Node's parser, exactly as the server receives them.
const filters = (endpoint: FilterEndpoint, qs: string): Filters => parseFilters(endpoint, parse(qs))

function badQuery(endpoint: FilterEndpoint, qs: string): TaxiiError {
  try {
    filters(endpoint, qs)
  } catch (err) {
    expect(err).toBeInstanceOf(TaxiiError)
    const e = err as TaxiiError
    expect(e.code).toBe('TAXII_ERR_BAD_QUERY')
    expect(e.httpStatus).toBe(400)
    return e
  }
  throw new Error(`expected 400 for ${endpoint} ?${qs}`)
}

const rejects = (endpoint: FilterEndpoint, qs: string, param: string): void => {
  expect(badQuery(endpoint, qs).description).toContain(param)
}

describe('parseFilters: defaults and endpoints', () => {
  it('T-100 T-117 T-122 with no parameters only the defaults apply', () => {
    for (const ep of ['objects', 'manifest', 'object'] as const) {
      expect(filters(ep, '')).toEqual({ match_version: LAST })
    }
    expect(filters('delete', '')).toEqual({})
    expect(filters('versions', '')).toEqual({})
  })

  it('T-113 ignores unknown parameters and unknown match fields', () => {
    expect(
      filters('objects', 'foo=bar&match[colour]=red&match[id=x&MATCH[type]=!&Limit=0'),
    ).toEqual({ match_version: LAST })
  })

  it('T-113 objects and manifest accept every filter', () => {
    const qs =
      `added_after=2025-01-01T00:00:00Z&limit=5&next=abc_-1&match[id]=${ID}` +
      '&match[type]=indicator&match[version]=first&match[spec_version]=2.1'
    for (const ep of ['objects', 'manifest'] as const) {
      expect(filters(ep, qs)).toEqual({
        added_after: '2025-01-01T00:00:00.000000Z',
        limit: 5,
        next: 'abc_-1',
        match_id: [ID],
        match_type: ['indicator'],
        match_version: { all: false, first: true, last: false, exact: [] },
        match_spec_version: ['2.1'],
      })
    }
  })

  // Values that would be 400s show the parameter is not even looked at.
  const invalidAll =
    'added_after=x&limit=0&next=!&match[id]=x&match[type]=X&match[version]=x&match[spec_version]=x'

  it('T-113 object ignores match[id] and match[type]', () => {
    expect(filters('object', 'match[id]=x&match[type]=X&match[type]=Y')).toEqual({
      match_version: LAST,
    })
    expect(
      filters('object', 'added_after=2025-01-01T00:00:00Z&limit=1&next=t&match[version]=all'),
    ).toEqual({
      added_after: '2025-01-01T00:00:00.000000Z',
      limit: 1,
      next: 't',
      match_version: { all: true, first: false, last: false, exact: [] },
    })
  })

  it('T-113 T-183 delete only reads match[version] and match[spec_version]', () => {
    expect(filters('delete', 'added_after=x&limit=0&next=!&match[id]=x&match[type]=X')).toEqual({})
    expect(filters('delete', 'match[version]=last&match[spec_version]=2.0')).toEqual({
      match_version: LAST,
      match_spec_version: ['2.0'],
    })
    rejects('delete', invalidAll, 'match[')
  })

  it('T-187 delete without match[version] selects every version (no default)', () => {
    expect(filters('delete', 'match[spec_version]=2.1').match_version).toBeUndefined()
  })

  it('T-113 T-192 versions ignores match[id], match[type] and match[version]', () => {
    expect(filters('versions', 'match[id]=x&match[type]=X&match[version]=x,x')).toEqual({})
    expect(
      filters(
        'versions',
        'added_after=2025-01-01T00:00:00Z&limit=2&next=n&match[spec_version]=2.1',
      ),
    ).toEqual({
      added_after: '2025-01-01T00:00:00.000000Z',
      limit: 2,
      next: 'n',
      match_spec_version: ['2.1'],
    })
  })
})

describe('parseFilters: repeated parameters', () => {
  it('T-102 rejects a repeated added_after', () => {
    rejects(
      'objects',
      'added_after=2025-01-01T00:00:00Z&added_after=2025-01-01T00:00:00Z',
      'added_after',
    )
  })

  it('T-105 rejects a repeated limit', () => rejects('manifest', 'limit=1&limit=2', 'limit'))

  it('T-109 rejects a repeated next', () => rejects('versions', 'next=a&next=b', 'next'))

  it('T-110 rejects any repeated match field', () => {
    rejects('objects', `match[id]=${ID}&match[id]=${ID2}`, 'match[id]')
    rejects('objects', 'match[type]=indicator&match[type]=malware', 'match[type]')
    rejects('object', 'match[version]=first&match[version]=last', 'match[version]')
    rejects('delete', 'match[spec_version]=2.1&match[spec_version]=2.0', 'match[spec_version]')
  })

  it('T-113 a repeated parameter that the endpoint ignores is not an error', () => {
    expect(filters('delete', 'limit=1&limit=2&next=a&next=b')).toEqual({})
  })
})

describe('parseFilters: added_after', () => {
  it('T-102 T-011 normalises to a 6-digit UTC timestamp', () => {
    expect(filters('objects', 'added_after=2025-07-14T05:31:02.123456789-04:00').added_after).toBe(
      '2025-07-14T09:31:02.123456Z',
    )
  })

  it('T-102 reads an unencoded + (arriving as a space) as +', () => {
    expect(filters('objects', 'added_after=2025-01-01T10:00:00+05:00').added_after).toBe(
      '2025-01-01T05:00:00.000000Z',
    )
    expect(filters('objects', 'added_after=2025-01-01T10:00:00%2B05:00').added_after).toBe(
      '2025-01-01T05:00:00.000000Z',
    )
  })

  it('T-102 rejects invalid values', () => {
    for (const v of [
      '',
      'yesterday',
      '2025-02-29T00:00:00Z',
      '2025-07-14',
      '2025-07-14T09:31:02',
    ]) {
      rejects('objects', `added_after=${v}`, 'added_after')
    }
  })
})

describe('parseFilters: limit', () => {
  it('T-105 accepts decimal integers from 1 to 2^53-1', () => {
    expect(filters('objects', 'limit=1').limit).toBe(1)
    expect(filters('objects', 'limit=007').limit).toBe(7)
    expect(filters('objects', 'limit=5000').limit).toBe(5000)
    expect(filters('objects', 'limit=9007199254740991').limit).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('T-105 rejects zero, negatives, non-decimal and too large values', () => {
    for (const v of [
      '',
      '0',
      '-1',
      '+1',
      '1.0',
      '1e3',
      '0x10',
      ' 1',
      'ten',
      '9007199254740992',
      '99999999999999999999999',
    ]) {
      rejects('objects', `limit=${encodeURIComponent(v)}`, 'limit')
    }
  })
})

describe('parseFilters: next', () => {
  it('T-109 T-128 keeps a base64url token verbatim', () => {
    expect(filters('objects', 'next=eyJh-Yi_9').next).toBe('eyJh-Yi_9')
  })

  it('T-109 T-128 rejects empty values and characters outside [A-Za-z0-9_-]', () => {
    for (const v of ['', 'a=b', 'a b', 'abc%2F', 'abc%3D', 'a.b'])
      rejects('objects', `next=${v}`, 'next')
  })
})

describe('parseFilters: comma-separated lists', () => {
  it('T-111 T-112 splits on commas and strips spaces around items', () => {
    expect(filters('objects', 'match[type]=indicator,%20malware%20,+tool').match_type).toEqual([
      'indicator',
      'malware',
      'tool',
    ])
  })

  it('T-112 rejects empty items', () => {
    for (const v of ['', ',', 'indicator,,malware', 'indicator,', ',indicator', 'indicator,%20']) {
      rejects('objects', `match[type]=${v}`, 'match[type]')
    }
    rejects('objects', 'match[spec_version]=2.1,', 'match[spec_version]')
    rejects('objects', `match[id]=${ID},`, 'match[id]')
    rejects('objects', 'match[version]=last,', 'match[version]')
  })

  it('T-111 drops repeated items of match[id], match[type] and match[spec_version]', () => {
    const f = filters(
      'objects',
      `match[id]=${ID},${ID}&match[type]=tool,tool&match[spec_version]=2.1,2.1`,
    )
    expect([f.match_id, f.match_type, f.match_spec_version]).toEqual([[ID], ['tool'], ['2.1']])
  })
})

describe('parseFilters: match[id]', () => {
  it('T-114 accepts STIX ids, with lowercase or uppercase uuids', () => {
    const upper = 'indicator--4D755A59-8606-4662-BEA2-A196D66BB4D7'
    expect(filters('objects', `match[id]=${ID},${ID2},${upper}`).match_id).toEqual([ID, ID2, upper])
    expect(
      filters('objects', 'match[id]=x-acme-thing--4d755a59-8606-4662-bea2-a196d66bb4d7').match_id,
    ).toHaveLength(1)
  })

  it('T-114 rejects items that are not <type>--<uuid>', () => {
    for (const v of [
      'indicator',
      '4d755a59-8606-4662-bea2-a196d66bb4d7',
      'indicator-4d755a59-8606-4662-bea2-a196d66bb4d7',
      'Indicator--4d755a59-8606-4662-bea2-a196d66bb4d7',
      'ab--4d755a59-8606-4662-bea2-a196d66bb4d7',
      'x--y--4d755a59-8606-4662-bea2-a196d66bb4d7',
      'indicator--4d755a59-8606-4662-bea2-a196d66bb4d',
      'indicator--4d755a59-8606-4662-bea2-a196d66bb4d7a',
      'indicator--4d755a5986064662bea2a196d66bb4d7',
      'indicator--4d755a59-8606-4662-bea2-a196d66bb4dg',
      `${ID},indicator`,
    ]) {
      rejects('objects', `match[id]=${v}`, 'match[id]')
    }
  })
})

describe('parseFilters: match[type]', () => {
  it('T-115 accepts any value with STIX type-name syntax, known or not', () => {
    const long = `a${'b'.repeat(249)}`
    expect(
      filters('manifest', `match[type]=indicator,x-acme-widget,abc,${long}`).match_type,
    ).toEqual(['indicator', 'x-acme-widget', 'abc', long])
  })

  it('T-115 rejects values outside the type-name syntax', () => {
    for (const v of [
      'Indicator',
      'ab',
      `a${'b'.repeat(250)}`,
      '1abc',
      '-abc',
      'x--acme',
      'x_acme',
      'indi cator',
      'indicator%2A',
    ]) {
      rejects('objects', `match[type]=${v}`, 'match[type]')
    }
  })
})

describe('parseFilters: match[version]', () => {
  it('T-116 accepts the keywords first, last and all', () => {
    expect(filters('objects', 'match[version]=first').match_version).toEqual({
      ...LAST,
      last: false,
      first: true,
    })
    expect(filters('objects', 'match[version]=last').match_version).toEqual(LAST)
    expect(filters('objects', 'match[version]=all').match_version).toEqual({
      ...LAST,
      last: false,
      all: true,
    })
  })

  it('T-118 combines distinct keywords and timestamps', () => {
    expect(
      filters('objects', 'match[version]=first,2025-07-14T09:30:00.5Z,last,2025-07-14T09:30:00Z')
        .match_version,
    ).toEqual({
      all: false,
      first: true,
      last: true,
      exact: ['2025-07-14T09:30:00.500000000', '2025-07-14T09:30:00.000000000'],
    })
  })

  it('T-119 T-120 stores specific versions as version keys', () => {
    expect(
      filters('object', 'match[version]=2025-07-14T09:30:00.000Z').match_version?.exact,
    ).toEqual(['2025-07-14T09:30:00.000000000'])
  })

  it('T-119 rejects values that are neither keywords nor STIX timestamps', () => {
    for (const v of [
      'latest',
      'LAST',
      'First',
      '2025-07-14T09:30:00',
      '2025-07-14T09:30:00+00:00',
      '2025-07-14T09:30:00.Z',
      '2025-02-29T00:00:00Z',
      '2025-04-31T00:00:00Z',
    ]) {
      rejects('objects', `match[version]=${encodeURIComponent(v)}`, 'match[version]')
    }
  })

  it('T-118 rejects a repeated keyword', () => {
    rejects('objects', 'match[version]=last,last', 'match[version]')
    rejects('objects', 'match[version]=first,last,first', 'match[version]')
  })

  it('T-118 T-120 rejects the same instant given twice, in any spelling', () => {
    rejects('objects', 'match[version]=2025-07-14T09:30:01Z,2025-07-14T09:30:01Z', 'match[version]')
    rejects(
      'objects',
      'match[version]=2025-07-14T09:30:01Z,2025-07-14T09:30:01.000Z',
      'match[version]',
    )
    rejects(
      'delete',
      'match[version]=2025-07-14T09:30:01.000Z,2025-07-14T09:30:01.000000Z',
      'match[version]',
    )
  })

  it('T-118 rejects all combined with last', () => {
    const e = badQuery('objects', 'match[version]=all,last')
    expect(e.description).toBe('match[version]: "all" cannot be combined with other values')
  })

  it('T-118 rejects all combined with anything else', () => {
    for (const v of ['first,all', 'all,2025-07-14T09:30:00Z', 'all,all']) {
      rejects('objects', `match[version]=${v}`, 'match[version]')
    }
  })

  it('T-120 distinguishes instants differing only in the ninth fractional digit', () => {
    expect(
      filters('objects', 'match[version]=2025-07-14T09:30:01.000000001Z,2025-07-14T09:30:01Z')
        .match_version?.exact,
    ).toEqual(['2025-07-14T09:30:01.000000001', '2025-07-14T09:30:01.000000000'])
  })
})

describe('parseFilters: match[spec_version]', () => {
  it('T-122 accepts n.m items, including versions the hub does not store', () => {
    expect(filters('objects', 'match[spec_version]=2.1,2.0,2.2,10.12').match_spec_version).toEqual([
      '2.1',
      '2.0',
      '2.2',
      '10.12',
    ])
  })

  it('T-122 P-5 is accepted on object, delete and versions', () => {
    for (const ep of ['object', 'delete', 'versions'] as const) {
      expect(filters(ep, 'match[spec_version]=2.0').match_spec_version).toEqual(['2.0'])
    }
  })

  it('T-122 rejects items not of the form n.m', () => {
    for (const v of ['2', '2.1.0', 'v2.1', '2.x', '.1', '2.', 'latest', '2,1.']) {
      rejects('objects', `match[spec_version]=${v}`, 'match[spec_version]')
    }
  })
})

describe('parseFilters: error descriptions', () => {
  it('T-101 names the parameter and quotes a bounded excerpt of the value', () => {
    const e = badQuery('objects', `match[type]=${'Z'.repeat(5000)}`)
    expect(e.description).toMatch(/^match\[type\]: "Z+…" is not a STIX type name$/)
    expect(e.description!.length).toBeLessThan(200)
  })
})

describe('filterFingerprint', () => {
  const fp = (ep: FilterEndpoint, qs: string): string => filterFingerprint(ep, filters(ep, qs))

  it('T-128 is stable under reordered list items and parameters', () => {
    const a = fp(
      'objects',
      `match[type]=malware,indicator&match[id]=${ID2},${ID}&match[spec_version]=2.1,2.0` +
        '&match[version]=last,2025-07-14T09:30:01Z,first',
    )
    const b = fp(
      'objects',
      `match[spec_version]=2.0,2.1&match[version]=2025-07-14T09:30:01.000Z,first,last` +
        `&match[id]=${ID},${ID2}&match[type]=indicator,malware`,
    )
    expect(a).toBe(b)
  })

  it('T-128 excludes limit and next', () => {
    expect(fp('manifest', 'match[type]=indicator&limit=5&next=abc')).toBe(
      fp('manifest', 'match[type]=indicator'),
    )
  })

  it('T-128 ignores parameters the endpoint does not accept', () => {
    expect(fp('versions', 'match[type]=indicator&match[version]=all')).toBe(fp('versions', ''))
  })

  it('T-128 equal added_after instants give the same fingerprint', () => {
    expect(fp('objects', 'added_after=2025-01-01T10:00:00+05:00')).toBe(
      fp('objects', 'added_after=2025-01-01T05:00:00.000000Z'),
    )
  })

  it('T-128 differs when any bound filter differs', () => {
    const prints = [
      fp('objects', ''),
      fp('manifest', ''),
      fp('objects', 'added_after=2025-01-01T00:00:00Z'),
      fp('objects', 'added_after=2025-01-01T00:00:00.000001Z'),
      fp('objects', `match[id]=${ID}`),
      fp('objects', 'match[type]=indicator'),
      fp('objects', 'match[version]=first'),
      fp('objects', 'match[version]=all'),
      fp('objects', 'match[version]=2025-07-14T09:30:01Z'),
      fp('objects', 'match[spec_version]=2.1'),
      fp('delete', ''),
      fp('delete', 'match[version]=last'),
    ]
    expect(new Set(prints).size).toBe(prints.length)
  })

  it('T-117 the default match[version] equals an explicit last', () => {
    expect(fp('objects', 'match[version]=last')).toBe(fp('objects', ''))
  })

  it('T-128 does not depend on duplicates in hand-built filters', () => {
    const f: Filters = { match_type: ['tool', 'indicator', 'tool'] }
    expect(filterFingerprint('objects', f)).toBe(
      filterFingerprint('objects', { match_type: ['indicator', 'tool'] }),
    )
  })
})
