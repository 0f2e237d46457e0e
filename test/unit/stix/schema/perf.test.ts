import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { createStixValidator } from '../../../../src/stix/schema/index.js'
import { indicator } from './fixtures.js'

describe('validation speed', () => {
  it('validates an envelope of 1,000 typical indicators in a few milliseconds', () => {
    const validate = createStixValidator()
    const envelope = Array.from({ length: 1000 }, (_, i) => indicator(i))
    const timings: number[] = []
    for (let round = 0; round < 40; round++) {
      const started = performance.now()
      for (const o of envelope) {
        if (validate(o) !== undefined) throw new Error(validate(o))
      }
      timings.push(performance.now() - started)
    }
    const warm = timings.slice(10).sort((a, b) => a - b)
    const median = warm[Math.floor(warm.length / 2)] ?? Infinity
    console.info(
      `1,000 indicators (schema + rules, no pattern check): median ${median.toFixed(2)} ms, best ${warm[0]?.toFixed(2)} ms`,
    )
    // generous bound for loaded CI machines; the target is well under 10 ms
    expect(median).toBeLessThan(50)
  })
})
