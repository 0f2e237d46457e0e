import { describe, expect, it } from 'vitest'
import { checkPattern, parsePattern } from '../../../../src/stix/pattern/index.js'

// Typical indicator patterns, all different so nothing is cached anywhere.
const typical = (i: number): string => {
  const a = `${i >> 8}.${i & 255}`
  switch (i % 4) {
    case 0:
      return `[ipv4-addr:value = '198.51.${a}/24'] OR [autonomous-system:number = ${15139 + i}]`
    case 1:
      return `[domain-name:value = 'host${i}.example.com']`
    case 2:
      return `[file:hashes.'SHA-256' = '${i.toString(16).padStart(64, '0')}']`
    default:
      return `[network-traffic:dst_ref.value = '203.0.${a}' AND network-traffic:dst_port = 443]`
  }
}

const rate = (patterns: string[], f: (p: string) => unknown): number => {
  let best = 0
  // best of a few rounds: the first ones include JIT warm-up
  for (let round = 0; round < 5; round++) {
    const t = performance.now()
    for (const p of patterns) f(p)
    best = Math.max(best, patterns.length / ((performance.now() - t) / 1000))
  }
  return best
}

describe('speed', () => {
  it('parses and checks 10,000 typical indicator patterns quickly', () => {
    const patterns = Array.from({ length: 10_000 }, (_, i) => typical(i))
    for (const p of patterns.slice(0, 4)) expect(checkPattern(p).ok).toBe(true)
    const parse = rate(patterns, parsePattern)
    const check = rate(patterns, checkPattern)
    console.log(
      `STIX patterns: parsePattern ${Math.round(parse).toLocaleString('en')}/s, ` +
        `checkPattern ${Math.round(check).toLocaleString('en')}/s`,
    )
    // the target is > 100k/s; the floor here leaves room for a busy CI machine
    expect(parse).toBeGreaterThan(20_000)
    expect(check).toBeGreaterThan(10_000)
  })
})
