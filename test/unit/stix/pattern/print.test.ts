import { describe, expect, it } from 'vitest'
import { parsePattern, printPattern } from '../../../../src/stix/pattern/index.js'

const canonical = (s: string): string => printPattern(parsePattern(s))

describe('printPattern (canonical form)', () => {
  it.each([
    ["[file:name='a']AND[file:size=1]", "[file:name = 'a'] AND [file:size = 1]"],
    ["  [ file : name = 'a' ]  ", "[file:name = 'a']"],
    ['[file:size == +1] /* c */ OR [file:size <> 2] // d', '[file:size = 1] OR [file:size != 2]'],
    ["[file:magic_number_hex = h'FFD8']", "[file:magic_number_hex = h'ffd8']"],
    ["[artifact:payload_bin = b'dGhp\ncyBp']", "[artifact:payload_bin = b'dGhpcyBp']"],
    ["[file:'name' = 'it\\'s \\\\']", "[file:name = 'it\\'s \\\\']"],
    ["[file:hashes.'MD5' = 'x']", "[file:hashes.MD5 = 'x']"],
    ["[x-a:'AND'.'true'.'a b'.'x-y'.'' = 1]", "[x-a:'AND'.'true'.'a b'.'x-y'.'' = 1]"],
    ['[x-a:b [ +0 ] [ * ] = 1]', '[x-a:b[0][*] = 1]'],
    ['[x-a:b IN ( 1 ,2 )]', '[x-a:b IN (1, 2)]'],
    ["[x-a:b NOT LIKE '%']", "[x-a:b NOT LIKE '%']"],
    ['[NOT EXISTS x-a:b]', '[NOT EXISTS x-a:b]'],
    ['[file:size = 01.50 OR file:size = -.5]', '[file:size = 01.50 OR file:size = -.5]'],
    ['((([file:size = 1])))', '[file:size = 1]'],
    ['[((file:size = 1))]', '[file:size = 1]'],
    [
      '[file:size = 1 OR file:size = 2 AND file:size = 3]',
      '[file:size = 1 OR file:size = 2 AND file:size = 3]',
    ],
    [
      '[(file:size = 1 OR file:size = 2) AND file:size = 3]',
      '[(file:size = 1 OR file:size = 2) AND file:size = 3]',
    ],
    [
      '[file:size = 1 AND (file:size = 2 AND file:size = 3)]',
      '[file:size = 1 AND (file:size = 2 AND file:size = 3)]',
    ],
    [
      '([file:size = 1] AND [file:size = 2]) AND [file:size = 3]',
      '([file:size = 1] AND [file:size = 2]) AND [file:size = 3]',
    ],
    [
      '[file:size = 1] FOLLOWEDBY ([file:size = 2] OR [file:size = 3])',
      '[file:size = 1] FOLLOWEDBY [file:size = 2] OR [file:size = 3]',
    ],
    [
      '([file:size = 1] FOLLOWEDBY [file:size = 2]) OR [file:size = 3]',
      '([file:size = 1] FOLLOWEDBY [file:size = 2]) OR [file:size = 3]',
    ],
    ['([file:size = 1]) WITHIN +5 SECONDS', '[file:size = 1] WITHIN 5 SECONDS'],
    [
      '([file:size = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS',
      '([file:size = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS',
    ],
    [
      '([file:size = 1] AND [file:size = 2]) REPEATS 2 TIMES',
      '([file:size = 1] AND [file:size = 2]) REPEATS 2 TIMES',
    ],
    [
      "[file:size = 1] REPEATS 2 TIMES START t'2025-01-01T00:00:00Z' STOP t'2025-01-02T00:00:00Z'",
      "[file:size = 1] REPEATS 2 TIMES START t'2025-01-01T00:00:00Z' STOP t'2025-01-02T00:00:00Z'",
    ],
  ])('%j → %j', (input, output) => {
    expect(canonical(input)).toBe(output)
    expect(canonical(output)).toBe(output)
  })
})
