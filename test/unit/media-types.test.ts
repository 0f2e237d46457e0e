import { describe, it, expect } from 'vitest'
import {
  STIX_20_MEDIA_TYPE,
  STIX_21_MEDIA_TYPE,
  TAXII_MEDIA_TYPE,
  acceptsTaxii21,
  isTaxiiContentType,
  isTaxiiResponseContentType,
  parseMediaType,
} from '../../src/media-types.js'

describe('media type constants', () => {
  it('T-021 spells the TAXII media type byte-exactly, without charset or spaces', () => {
    expect(TAXII_MEDIA_TYPE).toBe('application/taxii+json;version=2.1')
    expect(STIX_21_MEDIA_TYPE).toBe('application/stix+json;version=2.1')
    expect(STIX_20_MEDIA_TYPE).toBe('application/stix+json;version=2.0')
  })
})

describe('parseMediaType', () => {
  it('T-026 lower-cases type, subtype and parameter names but keeps parameter values', () => {
    expect(parseMediaType('Application/TAXII+JSON;Version=2.1;Foo=BaR')).toEqual({
      type: 'application',
      subtype: 'taxii+json',
      params: { version: '2.1', foo: 'BaR' },
    })
  })

  it('T-026 tolerates optional whitespace around the value and around ";"', () => {
    expect(parseMediaType(' \tapplication/taxii+json \t; version=2.1 ;\tcharset=utf-8 ')).toEqual({
      type: 'application',
      subtype: 'taxii+json',
      params: { version: '2.1', charset: 'utf-8' },
    })
  })

  it('T-026 unquotes quoted-string values, including quoted-pairs', () => {
    expect(parseMediaType('a/b; x="2.1"; y="a\\"b;c,d"')?.params).toEqual({
      x: '2.1',
      y: 'a"b;c,d',
    })
  })

  it('T-026 accepts empty parameters and a trailing ";" (RFC 9110 grammar)', () => {
    expect(parseMediaType('a/b;;version=2.1;')?.params).toEqual({ version: '2.1' })
  })

  it('T-026 parses media ranges, with q as an ordinary parameter', () => {
    expect(parseMediaType('*/*;q=0.5')).toEqual({ type: '*', subtype: '*', params: { q: '0.5' } })
    expect(parseMediaType('application/*')).toEqual({
      type: 'application',
      subtype: '*',
      params: {},
    })
  })

  it.each([
    [''],
    ['application'],
    ['application/'],
    ['/json'],
    ['application /json'],
    ['application/ json'],
    ['application/json;version'],
    ['application/json;version='],
    ['application/json;=2.1'],
    ['application/json;version=2.1 x'],
    ['application/json;version="2.1'],
    ['application/json;version=2 .1'],
    ['application/json version=2.1'],
    ['application/json;version=2.1,text/html'],
    ['applicätion/json'],
  ])('T-026 rejects the malformed media type %j', (value) => {
    expect(parseMediaType(value)).toBeUndefined()
  })

  it('T-026 rejects a parameter given twice (its meaning would be ambiguous)', () => {
    expect(parseMediaType('application/taxii+json;version=2.0;VERSION=2.1')).toBeUndefined()
  })

  it('returns a plain object that ignores prototype names', () => {
    const mt = parseMediaType('a/b;constructor=x;__proto__=y')
    expect(mt?.params.constructor).toBe('x')
    expect(Object.keys(mt?.params ?? {})).toEqual(['constructor', '__proto__'])
  })
})

describe('acceptsTaxii21', () => {
  it('T-023 serves Accept: application/taxii+json;version=2.1', () => {
    expect(acceptsTaxii21('application/taxii+json;version=2.1')).toBe(true)
  })

  it('T-023 T-024 serves the bare application/taxii+json as the latest version (2.1)', () => {
    expect(acceptsTaxii21('application/taxii+json')).toBe(true)
  })

  it('T-025 serves a request without Accept as TAXII 2.1', () => {
    expect(acceptsTaxii21(undefined)).toBe(true)
  })

  it('T-025 treats an empty or blank Accept as missing', () => {
    expect(acceptsTaxii21('')).toBe(true)
    expect(acceptsTaxii21('  \t')).toBe(true)
    expect(acceptsTaxii21(' , ,')).toBe(true)
  })

  it('T-025 serves Accept: */* as TAXII 2.1', () => {
    expect(acceptsTaxii21('*/*')).toBe(true)
  })

  it('T-025 serves Accept: application/* as TAXII 2.1', () => {
    expect(acceptsTaxii21('application/*')).toBe(true)
  })

  it.each([
    ['application/json'],
    ['text/html'],
    ['application/taxii+json;version=2.0'],
    ['application/json, text/html'],
    ['text/*'],
    ['application/stix+json;version=2.1'],
    ['application/taxii+json;version=2.0, application/json'],
  ])('T-025 refuses (406) an Accept that names only other concrete types: %j', (accept) => {
    expect(acceptsTaxii21(accept)).toBe(false)
  })

  it('T-030 does not count application/stix+json;version=2.1 as TAXII, but serves it with TMT', () => {
    expect(acceptsTaxii21('application/stix+json;version=2.1')).toBe(false)
    expect(
      acceptsTaxii21('application/taxii+json;version=2.1, application/stix+json;version=2.1'),
    ).toBe(true)
  })

  it('T-023 serves when any element of the list is a TAXII 2.1 range', () => {
    expect(acceptsTaxii21('text/html, application/taxii+json;version=2.1;q=0.9')).toBe(true)
    expect(acceptsTaxii21('application/json,application/taxii+json')).toBe(true)
    expect(acceptsTaxii21('text/html, */*;q=0.1')).toBe(true)
  })

  it('T-026 matches type, subtype and parameter names case-insensitively', () => {
    expect(acceptsTaxii21('Application/TAXII+JSON;VERSION=2.1')).toBe(true)
    expect(acceptsTaxii21('APPLICATION/*')).toBe(true)
  })

  it('T-026 tolerates whitespace around ";" and ","', () => {
    expect(acceptsTaxii21('text/html ,  application/taxii+json ; version=2.1 ; q=1')).toBe(true)
    expect(acceptsTaxii21('\tapplication/taxii+json\t;\tversion=2.1\t')).toBe(true)
  })

  it('T-026 compares version exactly', () => {
    expect(acceptsTaxii21('application/taxii+json;version=2.10')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;version=2')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;version=2.1.0')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;version= 2.1')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;version="2.1"')).toBe(true)
  })

  it('T-026 ignores unknown parameters', () => {
    expect(acceptsTaxii21('application/taxii+json;version=2.1;profile=x')).toBe(true)
    expect(acceptsTaxii21('application/taxii+json;charset=utf-8')).toBe(true)
    expect(acceptsTaxii21('application/taxii+json;foo="a,b";version=2.1')).toBe(true)
  })

  it('T-026 honours q=0 as "not acceptable"', () => {
    expect(acceptsTaxii21('application/taxii+json;version=2.1;q=0')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;q=0.000')).toBe(false)
    expect(acceptsTaxii21('*/*;q=0')).toBe(false)
    expect(acceptsTaxii21('application/*; Q=0')).toBe(false)
  })

  it('T-026 lets a more specific q=0 range override a wildcard (RFC 9110 §12.5.1)', () => {
    expect(acceptsTaxii21('*/*, application/taxii+json;q=0')).toBe(false)
    expect(acceptsTaxii21('application/*, application/taxii+json;version=2.1;q=0')).toBe(false)
    expect(acceptsTaxii21('*/*, application/*;q=0')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;q=0, application/taxii+json;version=2.1')).toBe(
      true,
    )
    expect(acceptsTaxii21('*/*;q=0, application/taxii+json;q=0.5')).toBe(true)
  })

  it('T-026 ignores ranges whose q is not a valid qvalue', () => {
    expect(acceptsTaxii21('application/taxii+json;q=2')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;q=abc')).toBe(false)
    expect(acceptsTaxii21('application/taxii+json;q=0.5555, */*;q=0.5')).toBe(true)
    expect(acceptsTaxii21('application/taxii+json;q=1.000')).toBe(true)
    expect(acceptsTaxii21('application/taxii+json;q=1.001')).toBe(false)
  })

  it('T-026 skips unparsable ranges rather than failing the whole header', () => {
    expect(acceptsTaxii21('garbage, application/taxii+json;version=2.1')).toBe(true)
    expect(acceptsTaxii21('garbage')).toBe(false)
    expect(acceptsTaxii21(';;;')).toBe(false)
  })
})

describe('isTaxiiContentType', () => {
  it('T-028 accepts application/taxii+json;version=2.1', () => {
    expect(isTaxiiContentType('application/taxii+json;version=2.1')).toBe(true)
    expect(isTaxiiContentType(TAXII_MEDIA_TYPE)).toBe(true)
  })

  it('T-029 accepts the bare application/taxii+json', () => {
    expect(isTaxiiContentType('application/taxii+json')).toBe(true)
  })

  it('T-029 accepts an optional charset=utf-8, case-insensitively and quoted', () => {
    expect(isTaxiiContentType('application/taxii+json;version=2.1;charset=utf-8')).toBe(true)
    expect(isTaxiiContentType('application/taxii+json; charset=UTF-8; version=2.1')).toBe(true)
    expect(isTaxiiContentType('application/taxii+json;charset="utf-8"')).toBe(true)
  })

  it('T-029 tolerates whitespace and case in type, subtype and parameter names', () => {
    expect(isTaxiiContentType(' Application/TAXII+JSON ; Version=2.1 ')).toBe(true)
    expect(isTaxiiContentType('application/taxii+json\t;\tversion=2.1')).toBe(true)
  })

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['application/json', 'application/json'],
    ['application/stix+json', 'application/stix+json'],
    ['application/stix+json;version=2.1', 'application/stix+json;version=2.1'],
    ['another TAXII version', 'application/taxii+json;version=2.0'],
    ['a version that is not exactly 2.1', 'application/taxii+json;version=2.10'],
    ['a charset other than utf-8', 'application/taxii+json;version=2.1;charset=iso-8859-1'],
    ['an unknown parameter', 'application/taxii+json;version=2.1;foo=bar'],
    ['text/plain', 'text/plain'],
    ['a wildcard', '*/*'],
    ['a list', 'application/taxii+json;version=2.1, application/json'],
    ['a malformed value', 'application/taxii+json;version'],
  ])('T-029 refuses (415) %s', (_label, contentType) => {
    expect(isTaxiiContentType(contentType)).toBe(false)
  })
})

describe('isTaxiiResponseContentType', () => {
  it('T-021 accepts what the hub itself sends', () => {
    expect(isTaxiiResponseContentType(TAXII_MEDIA_TYPE)).toBe(true)
  })

  it('T-020 accepts the bare type (meaning the latest version)', () => {
    expect(isTaxiiResponseContentType('application/taxii+json')).toBe(true)
  })

  it('tolerates charset=utf-8, spaces, case and extra parameters from other servers', () => {
    expect(isTaxiiResponseContentType('application/taxii+json; version=2.1; charset=utf-8')).toBe(
      true,
    )
    expect(isTaxiiResponseContentType('Application/Taxii+Json ;Version=2.1;Charset=UTF-8')).toBe(
      true,
    )
    expect(isTaxiiResponseContentType('application/taxii+json;version=2.1;profile=x')).toBe(true)
  })

  it.each([
    [undefined],
    [''],
    ['application/json'],
    ['application/json; charset=utf-8'],
    ['application/stix+json;version=2.1'],
    ['application/taxii+json;version=2.0'],
    ['application/taxii+json;version=2.1;charset=iso-8859-1'],
    ['text/html'],
    ['application/taxii+json;version='],
  ])('rejects the response Content-Type %j', (contentType) => {
    expect(isTaxiiResponseContentType(contentType)).toBe(false)
  })
})
