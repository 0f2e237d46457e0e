/**
 * The validation figures of the bench, run by it as a process of its own (run.ts, validationApart):
 * prints them as JSON.
 */

import { median, now, round } from './figures.js'
import { ENVELOPE, objectText } from './stix.js'

export interface ValidationResult {
  /** the ingest validator (schemas, rules, patterns) on one envelope of the bench's indicators */
  envelope_objects: number
  envelope_p50_ms: number
  objects_per_s: number
  /** checkPattern (parse + semantic checks) on the same indicators' patterns */
  patterns: number
  patterns_per_s: number
}

/**
 * The hub's validator and pattern checker in this process, on the compiled code the hub runs:
 * what validation costs per envelope, and the pattern parser's rate, each for about 2 s after a
 * warm-up.
 */
async function validationInProcess(): Promise<ValidationResult> {
  const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href
  const { createObjectValidator } = (await import(
    dist('stix/validate.js')
  )) as typeof import('../src/stix/validate.js')
  const { checkPattern } = (await import(
    dist('stix/pattern/index.js')
  )) as typeof import('../src/stix/pattern/index.js')
  const objects = Array.from(
    { length: ENVELOPE },
    (_, i) => JSON.parse(objectText(i)) as { pattern: string },
  )
  const patterns = objects.map((o) => o.pattern)
  const validate = createObjectValidator()
  for (const o of objects) {
    const problem = validate(o)
    if (problem !== undefined) throw new Error(`a bench indicator is invalid: ${problem}`)
  }
  const timings: number[] = []
  for (let t0 = now(); now() - t0 < 2000 || timings.length < 5;) {
    const t = now()
    for (const o of objects) validate(o)
    timings.push(now() - t)
  }
  let parsed = 0
  const p0 = now()
  while (now() - p0 < 2000) {
    for (const p of patterns) if (!checkPattern(p).ok) throw new Error(`bad pattern ${p}`)
    parsed += patterns.length
  }
  const envelopeMs = median(timings)
  return {
    envelope_objects: ENVELOPE,
    envelope_p50_ms: round(envelopeMs, 2),
    objects_per_s: round((ENVELOPE / envelopeMs) * 1000),
    patterns: patterns.length,
    patterns_per_s: round(parsed / ((now() - p0) / 1000)),
  }
}

process.stdout.write(JSON.stringify(await validationInProcess()))
