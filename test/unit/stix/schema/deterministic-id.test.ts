import { describe, expect, it } from 'vitest'
import {
  canonicalJson,
  defaultScoId,
  uuidV5,
} from '../../../../src/stix/schema/deterministic-id.js'

describe('deterministic SCO ids (S-033, S-034)', () => {
  it.each([
    [
      'ipv4-addr',
      { value: '198.51.100.3' },
      ['value'],
      'ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4',
    ],
    [
      'ipv4-addr',
      { value: '198.51.100.0/24' },
      ['value'],
      'ipv4-addr--1ea47840-aa39-5aa8-b4a2-cd203eb6662a',
    ],
    [
      'autonomous-system',
      { number: 15139, name: 'x' },
      ['number'],
      'autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff',
    ],
  ])('%s %j → %s', (type, object, contributing, expected) => {
    expect(defaultScoId(type, object, contributing)).toBe(expected)
  })

  it('is undefined when no contributing property is present', () => {
    expect(defaultScoId('user-account', { display_name: 'x' }, ['user_id'])).toBeUndefined()
  })

  it('takes one hash, preferring MD5 over SHA-1 over SHA-256', () => {
    const withAll = { hashes: { 'SHA-256': 'c', 'SHA-1': 'b', MD5: 'a' }, name: 'f' }
    const md5Only = { hashes: { MD5: 'a' }, name: 'f' }
    expect(defaultScoId('file', withAll, ['hashes', 'name'])).toBe(
      defaultScoId('file', md5Only, ['hashes', 'name']),
    )
  })

  it('canonicalises JSON per RFC 8785 (sorted keys, no whitespace)', () => {
    expect(canonicalJson({ b: [1, 2.5, 'x'], a: { d: true, c: null } })).toBe(
      '{"a":{"c":null,"d":true},"b":[1,2.5,"x"]}',
    )
  })

  it('produces RFC 4122 version 5 UUIDs', () => {
    expect(uuidV5('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })
})
