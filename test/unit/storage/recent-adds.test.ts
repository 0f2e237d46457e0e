import { describe, expect, it } from 'vitest'
import { RecentAdds } from '../../../src/storage/recent-adds.js'

const T = (n: number) => `2026-11-30T12:00:00.${String(n).padStart(6, '0')}Z`

describe('RecentAdds: T-134 T-137 what posts of this process added between two stamps', () => {
  it('follows a chain of posts and says whether one of them added one of the ids', () => {
    const recent = new RecentAdds()
    recent.record('1', null, T(10), ['a', 'b'])
    recent.record('1', T(10), T(20), ['c'])
    recent.record('1', T(20), T(30), ['d'])
    expect(recent.touched('1', null, T(30), ['x', 'd'])).toBe(true)
    expect(recent.touched('1', null, T(30), ['a'])).toBe(true)
    expect(recent.touched('1', T(10), T(30), ['a', 'x'])).toBe(false)
    expect(recent.touched('1', T(10), T(20), ['d'])).toBe(false)
  })

  it('does not know when a post of the chain is not its own, nor where the chain does not lead', () => {
    const recent = new RecentAdds()
    recent.record('1', T(10), T(20), ['a'])
    recent.record('1', T(30), T(40), ['b'])
    // another process moved the stamp from 20 to 30
    expect(recent.touched('1', T(10), T(40), ['x'])).toBeUndefined()
    expect(recent.touched('1', T(10), T(30), ['x'])).toBeUndefined()
    expect(recent.touched('1', T(5), T(20), ['x'])).toBeUndefined()
  })

  it("keeps collections apart: another collection's post is no link", () => {
    const recent = new RecentAdds()
    recent.record('2', T(10), T(20), ['a'])
    expect(recent.touched('1', T(10), T(20), ['a'])).toBeUndefined()
    recent.record('1', T(10), T(20), ['b'])
    expect(recent.touched('1', T(10), T(20), ['a'])).toBe(false)
  })

  it('does not know when two posts start at the same stamp, which stamps that only grow rule out', () => {
    const recent = new RecentAdds()
    recent.record('1', T(10), T(20), ['a'])
    recent.record('1', T(10), T(15), ['b'])
    expect(recent.touched('1', T(10), T(20), ['x'])).toBeUndefined()
  })

  it('forgets the oldest posts beyond the ones it keeps', () => {
    const recent = new RecentAdds()
    for (let i = 0; i < 40; i++) recent.record('1', T(i), T(i + 1), [`id${i}`])
    expect(recent.touched('1', T(0), T(40), ['x'])).toBeUndefined()
    expect(recent.touched('1', T(20), T(40), ['id25'])).toBe(true)
    expect(recent.touched('1', T(20), T(40), ['id5'])).toBe(false)
  })
})
