import { describe, expect, it } from 'vitest'
import { checkPcre } from '../../../../src/stix/pattern/pcre.js'

// Regexes as PCRE2 sees them (after the pattern's string escapes are resolved).
const VALID = [
  '',
  'abc',
  '^a.b$',
  '.+\\@example\\.com$',
  '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00',
  '^C:\\\\Windows\\\\w+$',
  'a|b|',
  '(a|b)*c+?d??e{2}f{2,}g{2,3}?h++i*+j?+',
  '(?i)a(?-i)b(?i:c)(?^)d(?x: e f )',
  '(?:a)(?>b)(?=c)(?!d)(?<=e)(?<!f)(?|(g)|(h))',
  "(?<year>\\d{4})-(?P<month>\\d\\d)-(?'day'\\d\\d)\\k<year>\\k'month'\\k{day}(?P=year)",
  "(a)(b)\\1\\2\\g1\\g{2}\\g{-1}\\g<1>\\g'2'\\g<-1>\\g<+1>(c)",
  '(?<n>x)(?R)?(?0)?(?1)(?+1)(?-1)(?&n)(?P>n)\\g<0>(y)',
  "(a)?(?(1)b|c)(?(<n>)d)(?('n')e)(?(R)f)(?(R1)g)(?(R&n)h)(?(DEFINE)(?<n>i))(?(?=j)j|k)",
  '(?#comment)a(?C)(?C1)b',
  '(*UTF)(*UCP)(*CRLF)(*LIMIT_MATCH=10)a(*COMMIT)(*PRUNE)(*SKIP)(*THEN)(*MARK:m)(*:m)(*F)|(*ACCEPT)',
  '(*pla:a)(*positive_lookbehind:b)(*atomic:c)',
  '[abc][^abc][a-z][-a][a-][]a][^]a][\\]][[:alpha:]][[:^digit:]][\\d\\w\\s\\h\\v-]',
  '[\\x00-\\x{ff}][\\0-\\7][\\b][\\Qa-z\\E][\\p{L}\\P{Lu}][.][$^]',
  '\\d\\D\\w\\W\\s\\S\\h\\H\\v\\V\\R\\X\\N\\C\\p{Greek}\\pL\\P{^Lu}\\p{Script=Latin}',
  '\\A\\z\\Z\\G\\b\\B\\K',
  '\\a\\e\\f\\n\\r\\t\\cA\\c[\\x41\\x{263a}\\o{101}\\012\\0\\101',
  '\\Qa.b*c(\\E+\\Qunterminated',
  '\\@\\#\\%\\ \\/\\-\\.\\é',
  '(?x) a # comment with ( and [\n b',
  'a{,3}{x}{1,2,3}{',
  '😀+[😀-😎]',
  '\\N{U+263A}',
  '(?J)(?<n>a)|(?<n>b)',
  'x{65535}',
]

const INVALID: [string, number, string][] = [
  ['(', 0, 'missing closing parenthesis'],
  ['a)', 1, 'unmatched closing parenthesis'],
  ['(a|b', 0, 'missing closing parenthesis'],
  ['[a', 0, 'missing terminating ]'],
  ['[]', 0, 'missing terminating ]'],
  ['[^]', 0, 'missing terminating ]'],
  ['*', 0, 'quantifier does not follow'],
  ['a|*', 2, 'quantifier does not follow'],
  ['(*)', 2, 'not recognized'],
  ['(+a)', 1, 'quantifier does not follow'],
  ['^*', 1, 'quantifier does not follow'],
  ['\\b+', 2, 'quantifier does not follow'],
  ['a**', 2, 'quantifier does not follow'],
  ['a{2}{3}', 4, 'quantifier does not follow'],
  ['a??+', 3, 'quantifier does not follow'],
  ['{2}', 0, 'quantifier does not follow'],
  ['a{3,2}', 1, 'out of order'],
  ['a{65536}', 1, 'too big'],
  ['[z-a]', 1, 'range out of order'],
  ['[\\d-z]', 1, 'invalid range'],
  ['[a-\\d]', 1, 'invalid range'],
  ['[a-[:digit:]]', 1, 'invalid range'],
  ['\\', 0, '\\ at end of pattern'],
  ['\\i', 0, 'unrecognized character'],
  ['\\y', 0, 'unrecognized character'],
  ['\\U', 0, 'does not support'],
  ['\\l', 0, 'does not support'],
  ['\\N{LATIN SMALL LETTER A}', 0, 'does not support \\N{name}'],
  ['\\x{110000}', 0, 'too large'],
  ['\\x{12', 0, 'non-hex'],
  ['\\o{8}', 0, 'non-octal'],
  ['\\o', 0, 'missing opening brace'],
  ['\\c', 0, '\\c at end'],
  ['\\p', 0, 'malformed \\P or \\p'],
  ['\\p{}', 0, 'malformed \\P or \\p'],
  ['\\p{L', 0, 'malformed \\P or \\p'],
  ['\\k', 0, '\\k is not followed'],
  ['\\k<n', 4, 'syntax error in group name'],
  ['\\g', 0, '\\g is not followed'],
  ['\\g{0}', 3, 'must not be zero'],
  ['\\g{-1}', 3, 'non-existent subpattern'],
  ['\\g{+1}', 0, 'not a valid reference'],
  ['\\1', 0, 'non-existent subpattern 1'],
  ['(a)\\2', 3, 'non-existent subpattern 2'],
  ['\\k<nope>', 3, "non-existent subpattern 'nope'"],
  ['(?&nope)', 3, "non-existent subpattern 'nope'"],
  ['(?1)', 2, 'non-existent subpattern 1'],
  ['(?-1)', 3, 'non-existent subpattern'],
  ['(?+0)', 3, 'zero'],
  ['(?<n>a)(?<n>b)', 7, 'same name'],
  ['(?<>a)', 3, 'name expected'],
  ['(?<9>a)', 3, 'non-digit'],
  [`(?<${'n'.repeat(33)}>a)`, 3, 'too long'],
  ['(?<n a)', 4, 'missing terminator'],
  ['(?Pxa)', 3, 'after (?P'],
  ['(?Q)', 2, 'unrecognized character after (?'],
  ['(?i', 0, 'missing closing parenthesis'],
  ['(?#abc', 0, 'missing ) after (?# comment'],
  ['(*NOPE)', 2, 'not recognized'],
  ['(*MARK:x', 0, 'missing closing parenthesis'],
  ['(?(1)a|b|c)(x)', 0, 'more than two branches'],
  ['(?(1a)b)', 3, 'malformed number or name'],
  ['(?(2)a)(b)', 3, 'non-existent subpattern 2'],
  ['[[:word:][:nope:]]', 9, 'unknown POSIX class name'],
  ['[:alpha:]', 0, 'only within a class'],
  ['[[.ch.]]', 1, 'collating elements'],
  ['[[=a=]]', 1, 'collating elements'],
  ['[\\B]', 1, 'invalid in character class'],
  ['[\\R]', 1, 'invalid in character class'],
  ['[\\X]', 1, 'invalid in character class'],
  ['[\\N]', 1, 'invalid in character class'],
  [`${'('.repeat(251)}${')'.repeat(251)}`, 250, 'too deeply nested'],
]

describe('S-185 PCRE2 syntax check', () => {
  it.each(VALID.map((r) => [r]))('S-185 accepts %j', (re) => {
    expect(checkPcre(re)).toBeUndefined()
  })

  it.each(INVALID)('S-185 rejects %j at index %i (%s)', (re, index, message) => {
    const err = checkPcre(re)
    expect(err).toBeDefined()
    expect(err?.message).toContain(message)
    expect(err?.index).toBe(index)
  })

  it('does not overflow the stack on very deep nesting', () => {
    expect(checkPcre('('.repeat(100_000))?.message).toContain('too deeply nested')
  })
})
