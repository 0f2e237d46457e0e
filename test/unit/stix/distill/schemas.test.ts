import { readdirSync, readFileSync } from 'node:fs'
import ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import {
  DISTILL_EXTENSION_DEFINITIONS,
  DISTILL_EXTENSION_IDS,
  type DistillScoType,
} from '../../../../src/stix/distill/vocabulary.js'
import {
  ANNOTATIONS,
  DISTILL_SCHEMA_BASE,
  DISTILL_SCHEMA_DIR,
  schemaRegistry,
} from '../../../../src/stix/schema/registry.js'
import { createObjectValidator } from '../../../../src/stix/validate.js'
import { guideObject } from '../../../helpers/guide.js'

const files = readdirSync(DISTILL_SCHEMA_DIR).filter((f) => f.endsWith('.json'))
const read = (f: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(f, DISTILL_SCHEMA_DIR), 'utf8')) as Record<string, any>

describe('schemas/distill', () => {
  it('holds one schema per new SCO type of the guide', () => {
    expect(files.sort()).toEqual(Object.keys(DISTILL_EXTENSION_IDS).map((t) => `${t}.json`))
  })

  it.each(files)('%s is a valid draft 2020-12 schema annotated with rule ids', (f) => {
    const schema = read(f)
    const meta = new ajv2020.default({ strict: false })
    expect(meta.validateSchema(schema), JSON.stringify(meta.errors)).toBe(true)
    expect(schema.$id).toBe(`${DISTILL_SCHEMA_BASE}${f}`)
    const visit = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return
      for (const [k, v] of Object.entries(node)) {
        if (k.startsWith('x-')) expect(ANNOTATIONS, `${f}: ${k}`).toContain(k)
        if (k === 'x-sid') expect(v).toMatch(/^[SG]-[0-9]{3}$/)
        visit(v)
      }
    }
    visit(schema)
  })

  it.each(files)('G-086 %s requires the entry of its own extension-definition', (f) => {
    const type = f.slice(0, -5) as DistillScoType
    const schema = read(f)
    expect(schema.properties.extensions.required).toEqual([DISTILL_EXTENSION_IDS[type]])
    expect(DISTILL_EXTENSION_DEFINITIONS.map((d) => d.id)).toContain(DISTILL_EXTENSION_IDS[type])
  })

  it('G-033 G-044 G-051 the ID-contributing properties are the guide’s', () => {
    const contributing = (t: string) => schemaRegistry().extensionTypes.get(t)?.idContributing
    expect(contributing('x-distill-hashed-identifier')).toEqual([
      'identifier_kind',
      'key_id',
      'digest_hex',
    ])
    expect(contributing('x-distill-payment-fingerprint')).toEqual(['key_id', 'fingerprint_hex'])
    expect(contributing('x-distill-traffic-fingerprint')).toEqual([
      'fingerprint_kind',
      'algorithm',
      'value',
    ])
  })

  it('G-051 a tls-client fingerprint needs no key and may be any JA4 string', () => {
    const validate = createObjectValidator()
    const ja4 = guideObject('x-distill-traffic-fingerprint', 'algorithm', 'ja4')
    expect(validate(ja4)).toBeUndefined()
    expect(validate({ ...ja4, sample_size: 0 })).toMatch(/^G-051 sample_size/)
    expect(validate({ ...ja4, features: {} })).toMatch(/^S-012 features/)
  })

  it('G-033 email_domain only on e-mail digests', () => {
    const validate = createObjectValidator()
    const email = guideObject('x-distill-hashed-identifier')
    expect(validate({ ...email, email_domain: 'Burner-Mail.example' })).toMatch(
      /^G-033 email_domain/,
    )
    const phone = { ...email, identifier_kind: 'phone' }
    expect(validate(phone)).toMatch(/^G-033 identifier_kind: must be email/)
  })

  it('keeps other x- custom SCOs as they were: common rules only', () => {
    const validate = createObjectValidator()
    const custom = {
      type: 'x-distill-other',
      spec_version: '2.1',
      id: 'x-distill-other--2b1c50a8-6d3c-4b84-9a43-2c0d1f1b5b44',
      anything: 'goes',
    }
    expect(validate(custom)).toBeUndefined()
  })
})
