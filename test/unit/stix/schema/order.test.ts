import { describe, expect, it, vi } from 'vitest'
import { createStixValidator } from '../../../../src/stix/schema/index.js'
import { loadFixture } from './fixtures.js'

const base = loadFixture('valid-sdo-sro.json').indicator ?? {}

/** Violations of every S-210 phase after type/id syntax, each added on top of the next one. */
const layers: [phase: string, patch: Record<string, unknown>, expected: string][] = [
  ['pattern', {}, 'S-182 pattern: no object matches both sides of AND'],
  [
    'extensions',
    { extensions: { 'acme-ext': { rank: 1 } } },
    'S-157 extensions.acme-ext: an extensions key must be an extension-definition id',
  ],
  [
    'markings',
    { granular_markings: [{ lang: 'en', selectors: ['valid_until'] }] },
    'S-141 granular_markings[0].selectors[0]: selector "valid_until" does not resolve on this object: "valid_until" is not present',
  ],
  [
    'references',
    { created_by_ref: 'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b' },
    'S-038 created_by_ref: must reference identity',
  ],
  [
    'cross-property',
    { valid_until: '2015-01-01T00:00:00Z' },
    'S-127 valid_until: must be later than valid_from',
  ],
  ['property types', { confidence: 101 }, 'S-048 confidence: must be <= 100'],
  [
    'required properties',
    { pattern_type: undefined },
    'S-125 pattern_type: required property is missing',
  ],
  [
    'spec_version',
    { spec_version: '2.2' },
    'S-041 spec_version: "2.2" is not supported (2.1, or 2.0 for older content)',
  ],
  [
    'type/id syntax',
    { id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98EE46B3CD3F' },
    'S-030 id: must end in an RFC 4122 UUID (version 1–5, lowercase hex)',
  ],
]

describe('S-210 order: the first violation reported is the one of the earliest phase', () => {
  const patternCheck = vi.fn(() => 'S-182 no object matches both sides of AND')
  const validate = createStixValidator({ patternCheck })

  let object: Record<string, unknown> = { ...base }
  it.each(layers.map(([phase, patch, expected]) => [phase, patch, expected] as const))(
    'adding a %s violation',
    (_phase, patch, expected) => {
      object = { ...object, ...patch }
      for (const [k, v] of Object.entries(patch)) if (v === undefined) delete object[k]
      expect(validate(object)).toBe(expected)
    },
  )

  it('did not call the pattern checker once an earlier phase had failed', () => {
    expect(patternCheck).toHaveBeenCalledTimes(1)
  })
})

describe('ties within a phase', () => {
  const validate = createStixValidator()
  it('reports the first failing property of the same phase', () => {
    expect(validate({ ...base, confidence: 101, lang: '!!' })).toMatch(/^S-048 confidence:/)
  })
  it('reports a missing property before a wrong value elsewhere', () => {
    const noName: Record<string, unknown> = { ...loadFixture('valid-sdo-sro.json').tool }
    delete noName.name
    expect(validate({ ...noName, tool_types: 'remote-access' })).toBe(
      'S-087 name: required property is missing',
    )
  })
})
