import { describe, expect, it } from 'vitest'
import { ReadAheadLeases } from '../../../src/services/read-ahead-leases.js'

/** Leases on a clock the test moves, with each lease taken in the database answered by hand. */
function leasesOnClock(ms = 1000) {
  let now = 0
  const asked: { pk: string; ms: number; answer: (ok: boolean) => void }[] = []
  const leases = new ReadAheadLeases(
    (pk, leaseMs) =>
      new Promise<void>((resolve, reject) => {
        asked.push({
          pk,
          ms: leaseMs,
          answer: (ok) => (ok ? resolve() : reject(new Error('no database'))),
        })
      }),
    ms,
    () => now,
  )
  const settle = () => new Promise((r) => setImmediate(r))
  /** Asks for a lease on `pk` and has the database grant it or not. */
  const ask = async (pk: string, granted: boolean) => {
    leases.current(pk)
    asked.at(-1)!.answer(granted)
    await settle()
  }
  return {
    leases,
    asked,
    settle,
    ask,
    at: (t: number) => {
      now = t
    },
  }
}

describe('read-ahead leases', () => {
  it('T-185 holds none until the database has granted one, then counts from when it was asked', async () => {
    const { leases, asked, settle, at } = leasesOnClock()
    at(100)
    expect(leases.current('7')).toBeUndefined()
    expect(asked.map((a) => [a.pk, a.ms])).toEqual([['7', 1000]])
    at(150)
    // one lease asked for at a time
    expect(leases.current('7')).toBeUndefined()
    expect(asked).toHaveLength(1)
    asked[0]!.answer(true)
    await settle()
    // asked at 100 for 1,000 ms: counted on from then, less a margin for clocks
    const end = leases.current('7')!
    expect(end).toBeGreaterThan(1000)
    expect(end).toBeLessThanOrEqual(1100)
    expect(leases.holds(end - 1)).toBe(true)
    at(end)
    expect(leases.holds(end)).toBe(false)
  })

  it('T-185 renews a lease past half its time, and serves none past its end', async () => {
    const { leases, asked, settle, at, ask } = leasesOnClock()
    await ask('7', true)
    const end = leases.current('7')!
    at(end - 600)
    expect(leases.current('7')).toBe(end)
    expect(asked).toHaveLength(1)
    at(end - 400)
    expect(leases.current('7')).toBe(end)
    expect(asked).toHaveLength(2)
    // the renewal has not come back by the end: no lease
    at(end)
    expect(leases.current('7')).toBeUndefined()
    asked[1]!.answer(true)
    await settle()
    expect(leases.current('7')).toBeGreaterThan(end)
  })

  it('T-185 a lease the database refused is none, and asked for again', async () => {
    const { leases, asked, ask } = leasesOnClock()
    await ask('7', false)
    expect(leases.current('7')).toBeUndefined()
    expect(asked).toHaveLength(2)
  })

  it('T-185 leases are per collection', async () => {
    const { leases, asked, ask } = leasesOnClock()
    await ask('7', true)
    expect(leases.current('7')).toBeDefined()
    expect(leases.current('8')).toBeUndefined()
    expect(asked.map((a) => a.pk)).toEqual(['7', '8'])
  })
})
