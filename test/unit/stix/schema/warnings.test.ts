import { describe, expect, it } from 'vitest'
import { createStixValidator } from '../../../../src/stix/schema/index.js'
import { build, loadFixture, validObjects, type Variant } from './fixtures.js'

interface WarningCase extends Variant {
  warnings: string[]
}

const validate = createStixValidator()
const bases = validObjects()

describe('accepted with a warning', () => {
  it.each(
    loadFixture<WarningCase[]>('warnings.json').map((c) => [`${c.sid} ${c.case}`, c] as const),
  )('%s', (_title, c) => {
    const object = build(c, bases)
    expect(validate(object)).toBeUndefined()
    expect(validate.validateDetailed(object)).toEqual({ warnings: c.warnings })
  })
})

describe('no warning', () => {
  it.each([
    'indicator',
    'custom-properties',
    'toplevel-property-extension',
    'new-sdo-by-extension',
    'ipv4-addr-cidr',
    'tlp2-red',
  ])('for %s', (label) => {
    expect(validate.validateDetailed(bases[label])).toEqual({ warnings: [] })
  })
})
