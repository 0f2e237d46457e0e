import { describe, expect, it } from 'vitest'
import { createStixValidator } from '../../../../src/stix/schema/index.js'
import { build, loadFixture, validObjects, type Variant } from './fixtures.js'

interface InvalidCase extends Variant {
  error: string
}

const validate = createStixValidator()
const bases = validObjects()
const cases = loadFixture<InvalidCase[]>('invalid.json')

describe('every enforced rule rejects its violation with the S-id, path and reason (S-211)', () => {
  it.each(cases.map((c) => [`${c.sid} ${c.case}`, c] as const))('%s', (_title, c) => {
    const error = validate(build(c, bases))
    expect(error).toBe(c.error)
    expect(error?.startsWith(`${c.sid} `)).toBe(true)
    expect(validate.validateDetailed(build(c, bases))).toEqual({ error: c.error, warnings: [] })
  })

  it('covers every S-id the validator enforces', () => {
    const covered = new Set(cases.map((c) => c.sid))
    for (const sid of ENFORCED) expect(covered, sid).toContain(sid)
  })
})

/** The S-ids whose violations are rejected (see the report); each has invalid fixtures. */
const ENFORCED = [
  'S-003',
  'S-004',
  'S-005',
  'S-006',
  'S-007',
  'S-010',
  'S-011',
  'S-012',
  'S-014',
  'S-015',
  'S-016',
  'S-017',
  'S-019',
  'S-020',
  'S-021',
  'S-024',
  'S-030',
  'S-036',
  'S-037',
  'S-038',
  'S-041',
  'S-044',
  'S-045',
  'S-048',
  'S-049',
  'S-051',
  'S-052',
  'S-053',
  'S-054',
  'S-070',
  'S-071',
  'S-072',
  'S-073',
  'S-074',
  'S-075',
  'S-077',
  'S-078',
  'S-079',
  'S-080',
  'S-081',
  'S-082',
  'S-083',
  'S-084',
  'S-085',
  'S-086',
  'S-087',
  'S-088',
  'S-090',
  'S-091',
  'S-100',
  'S-101',
  'S-102',
  'S-103',
  'S-104',
  'S-105',
  'S-106',
  'S-107',
  'S-108',
  'S-109',
  'S-110',
  'S-111',
  'S-112',
  'S-113',
  'S-114',
  'S-115',
  'S-116',
  'S-117',
  'S-118',
  'S-120',
  'S-123',
  'S-125',
  'S-127',
  'S-131',
  'S-132',
  'S-133',
  'S-134',
  'S-136',
  'S-139',
  'S-140',
  'S-141',
  'S-145',
  'S-146',
  'S-147',
  'S-148',
  'S-150',
  'S-152',
  'S-156',
  'S-157',
  'S-161',
  'S-162',
  'S-163',
  'S-200',
]

describe('rules stated in general, enforced through the specific rules that report them', () => {
  const ext = 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e'
  it.each([
    ['S-002 a property name in upper case', 'indicator', { Name: 'x' }, /^S-161 Name: /],
    ['S-002 a type in upper case', 'indicator', { type: 'Indicator' }, /^S-003 type: /],
    [
      'S-013 an enumeration value not in its list',
      'opinion',
      { opinion: 'meh' },
      /^S-084 opinion: must be one of /,
    ],
    [
      'S-153 a property extension without its extension_type',
      'indicator',
      { extensions: { [ext]: { rank: 1 } } },
      /^S-054 extensions\.extension-definition--[0-9a-f-]+\.extension_type: required/,
    ],
    [
      'S-153 an extension keyed by something other than an extension-definition id',
      'indicator',
      { extensions: { rank: { extension_type: 'property-extension' } } },
      /^S-157 extensions\.rank: /,
    ],
  ] as const)('%s', (_title, base, set, reported) => {
    expect(validate(build({ sid: '', case: '', base, set }, bases))).toMatch(reported)
  })
})
