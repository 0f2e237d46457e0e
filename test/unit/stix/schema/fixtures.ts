import { readFileSync } from 'node:fs'

type Obj = Record<string, unknown>

const dir = new URL('../../../fixtures/stix/', import.meta.url)

export const loadFixture = <T = Record<string, Obj>>(name: string): T =>
  JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T

/** labelled valid objects, by fixture file */
export const VALID_FILES = [
  'valid-sdo-sro.json',
  'valid-sco.json',
  'valid-meta.json',
  'valid-custom.json',
  'valid-2.0.json',
  'tlp.json',
] as const

export const validObjects = (): Record<string, Obj> =>
  Object.assign({}, ...VALID_FILES.map((f) => loadFixture(f))) as Record<string, Obj>

/** A variant of a labelled valid object (or a literal object) that breaks one rule. */
export interface Variant {
  sid: string
  case: string
  base?: string
  object?: unknown
  set?: Obj
  unset?: string[]
}

export function build(c: Variant, bases: Record<string, Obj>): unknown {
  if (c.base === undefined) return c.object
  const base = bases[c.base]
  if (base === undefined) throw new Error(`no valid fixture labelled ${c.base}`)
  const o = structuredClone(base)
  for (const k of c.unset ?? []) delete o[k]
  return Object.assign(o, c.set ?? {})
}

/** A canonical indicator like the ones partners post, with a distinct id per index. */
export function indicator(i: number): Obj {
  const suffix = i.toString(16).padStart(12, '0')
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--8e2e2d2b-17d4-4cbf-938f-${suffix}`,
    created_by_ref: 'identity--f431f809-377b-45e0-aa1c-6a4751cae5ff',
    created: '2025-07-01T10:00:00.000Z',
    modified: '2025-07-01T10:00:00.000Z',
    name: `Distillation harness endpoint ${i}`,
    description: 'Prompt traffic from an automated distillation harness',
    indicator_types: ['malicious-activity'],
    pattern: `[ipv4-addr:value = '198.51.100.${i % 256}']`,
    pattern_type: 'stix',
    valid_from: '2025-07-01T10:00:00Z',
    labels: ['distillation'],
    confidence: 80,
    object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
    kill_chain_phases: [{ kill_chain_name: 'mitre-atlas', phase_name: 'exfiltration' }],
  }
}
