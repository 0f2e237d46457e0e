import { describe, expect, it } from 'vitest'
import { createStixValidator, TLP_MARKING_DEFINITIONS } from '../../../../src/stix/schema/index.js'
import { loadFixture, VALID_FILES } from './fixtures.js'

const validate = createStixValidator()

describe.each(VALID_FILES)('valid objects in %s', (file) => {
  it.each(Object.entries(loadFixture(file)))('%s is accepted', (_label, object) => {
    expect(validate(object)).toBeUndefined()
    expect(validate.validateDetailed(object).error).toBeUndefined()
  })
})

describe('coverage of the fixtures', () => {
  const types = (file: string) =>
    new Set(Object.values(loadFixture(file)).map((o) => o.type as string))

  it('has a valid example of every STIX 2.1 SDO, SRO, SCO and meta object type', () => {
    const seen = new Set([
      ...types('valid-sdo-sro.json'),
      ...types('valid-sco.json'),
      ...types('valid-meta.json'),
    ])
    for (const t of [
      'attack-pattern',
      'campaign',
      'course-of-action',
      'grouping',
      'identity',
      'incident',
      'indicator',
      'infrastructure',
      'intrusion-set',
      'location',
      'malware',
      'malware-analysis',
      'note',
      'observed-data',
      'opinion',
      'report',
      'threat-actor',
      'tool',
      'vulnerability',
      'relationship',
      'sighting',
      'artifact',
      'autonomous-system',
      'directory',
      'domain-name',
      'email-addr',
      'email-message',
      'file',
      'ipv4-addr',
      'ipv6-addr',
      'mac-addr',
      'mutex',
      'network-traffic',
      'process',
      'software',
      'url',
      'user-account',
      'windows-registry-key',
      'x509-certificate',
      'language-content',
      'marking-definition',
      'extension-definition',
    ]) {
      expect(seen, t).toContain(t)
    }
  })
})

describe('TLP marking definitions (S-134, S-135, S-136)', () => {
  const fixtures = loadFixture('tlp.json')

  it('exports the nine predefined objects, each valid and equal to the fixture', () => {
    expect(TLP_MARKING_DEFINITIONS).toHaveLength(9)
    const byId = new Map(Object.values(fixtures).map((o) => [o.id, o]))
    for (const md of TLP_MARKING_DEFINITIONS) {
      expect(validate(md)).toBeUndefined()
      expect(md).toEqual(byId.get(md.id))
    }
  })

  it('accepts a TLP 1.0 object without name, as in the STIX 2.1 drafts and the OASIS examples', () => {
    const withoutName: Record<string, unknown> = { ...fixtures['tlp1-amber'] }
    delete withoutName.name
    expect(validate(withoutName)).toBeUndefined()
  })
})

describe('STIX 2.0 content (S-041)', () => {
  it('gets the common checks only: 2.1-only rules do not apply', () => {
    const o20 = loadFixture('valid-2.0.json')['indicator-2.0'] ?? {}
    // no pattern_type, no spec_version, labels as in 2.0: fine
    expect(validate(o20)).toBeUndefined()
    // an indicator property that would break 2.1 rules is not looked at
    expect(
      validate({ ...o20, confidence: 'high', valid_until: '2000-01-01T00:00:00Z' }),
    ).toBeUndefined()
  })

  it('still checks the id form and timestamps', () => {
    const o20 = loadFixture('valid-2.0.json')['malware-2.0-explicit'] ?? {}
    expect(validate({ ...o20, id: 'malware--not-a-uuid' })).toMatch(/^S-030 id:/)
    expect(validate({ ...o20, modified: 'yesterday' })).toMatch(/^S-024 modified:/)
  })

  it('treats an SCO without spec_version as STIX 2.1', () => {
    expect(
      validate({
        type: 'ipv4-addr',
        id: 'ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4',
        value: 'x',
      }),
    ).toBe('S-107 value: must be an IPv4 address or CIDR block')
  })
})

describe('bundles for file import (S-123)', () => {
  it('checks the bundle shape only', () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
      objects: [loadFixture('valid-sdo-sro.json').indicator],
    }
    expect(validate.validateBundle(bundle)).toBeUndefined()
    expect(validate.validateBundle({ ...bundle, objects: [] })).toBe(
      'S-021 objects: must not be an empty list',
    )
    expect(
      validate.validateBundle({ ...bundle, id: 'indicator--5d0092c5-5f74-4287-9642-33f4c354e56d' }),
    ).toBe('S-038 id: must reference bundle')
    // a bundle is never stored as an object
    expect(validate(bundle)).toMatch(/^S-123 type:/)
  })
})

describe('types and vocabularies the standard leaves open', () => {
  const stamps = { created: '2025-01-01T00:00:00.000Z', modified: '2025-01-01T00:00:00.000Z' }
  const uuid = '6f1f5a5e-2b7a-4a3e-9a3f-1a2b3c4d5e6f'
  const custom = (type: string, own: Record<string, unknown> = {}) => ({
    type,
    spec_version: '2.1',
    id: `${type}--${uuid}`,
    ...stamps,
    ...own,
  })

  it('S-040 S-162 a type the standard does not define is a custom object, held to its rules', () => {
    expect(validate(custom('x-acme-feed', { feed_name: 'proxies' }))).toBeUndefined()
    expect(validate(custom('x-acme-feed'))).toMatch(/^S-162 \(object\): .*property of its own/)
    const unprefixed = custom('acme-feed', { feed_name: 'proxies' })
    expect(validate(unprefixed)).toBeUndefined()
    expect(validate.validateDetailed(unprefixed).warnings).toContainEqual(
      expect.stringMatching(/^S-162 type: .*should start with x-/),
    )
    expect(validate(custom('Acme', { feed_name: 'proxies' }))).toMatch(/^S-003 type: /)
  })

  it('S-022 a value outside an open vocabulary is accepted; only the detailed check notes it', () => {
    const indicator = {
      ...custom('indicator'),
      name: 'HC-17 proxy range',
      description: 'residential proxies of hydra cluster HC-17',
      indicator_types: ['hydra-proxy-range'],
      pattern: "[ipv4-addr:value = '198.51.100.0/24']",
      pattern_type: 'stix',
      valid_from: '2025-01-01T00:00:00Z',
    }
    expect(validate(indicator)).toBeUndefined()
    expect(validate.validateDetailed(indicator)).toEqual({
      warnings: [expect.stringMatching(/^S-129 indicator_types\[0\]: .* not in indicator-type-ov/)],
    })
  })
})
