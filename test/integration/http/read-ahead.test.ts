import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { ind, objectsPath, post, stixId } from './conformance.js'

/**
 * The hub reads the page a `next` leads to while the client receives the page naming it. What
 * the client gets must still be what a request made at that moment gets: writes between the two
 * requests show on the next page as they would without reading ahead.
 */
const C = 'distillation-indicators'
const OBJECTS = objectsPath(C)
const ids = (res: { json: any }): string[] => (res.json.objects ?? []).map((o: any) => o.id)

describe.each(DIALECTS)('pages read ahead (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  const objects = (salt: number) =>
    Array.from({ length: 6 }, (_, i) => stixId('indicator', i + 1, salt))

  it('T-127 T-128 a page is served as read, every object once, when nothing was written between', async () => {
    const all = objects(0xa1)
    await post(
      hub,
      token,
      C,
      all.map((id) => ind(id)),
    )
    const seen: string[] = []
    let next: string | undefined
    let query = `match[id]=${all.join(',')}&limit=2`
    for (;;) {
      const res = await hub.request(`${OBJECTS}?${query}`, { token })
      seen.push(...ids(res))
      next = res.json.next
      if (next === undefined) break
      query = `match[id]=${all.join(',')}&limit=2&next=${next}`
    }
    expect(seen).toEqual(all)
  })

  /**
   * Six new objects, and their first two pages of two: the hub reads the third ahead while the
   * second goes out (a client that followed a next is paging). thirdPage() asks for it.
   */
  async function twoPagesOfTwo(salt: number) {
    const all = objects(salt)
    await post(
      hub,
      token,
      C,
      all.map((id) => ind(id)),
    )
    const filter = `match[id]=${all.join(',')}&limit=2`
    const first = await hub.request(`${OBJECTS}?${filter}`, { token })
    const second = await hub.request(`${OBJECTS}?${filter}&next=${first.json.next}`, { token })
    expect([...ids(first), ...ids(second)]).toEqual(all.slice(0, 4))
    return {
      all,
      thirdPage: () => hub.request(`${OBJECTS}?${filter}&next=${second.json.next}`, { token }),
    }
  }

  it('T-185 an object deleted between two pages is not on the next one', async () => {
    const { all, thirdPage } = await twoPagesOfTwo(0xa2)
    const gone = await hub.request(`${OBJECTS}${all[4]}/`, { token, method: 'DELETE' })
    expect(gone.status).toBe(200)
    expect(ids(await thirdPage())).toEqual([all[5]])
  })

  it('T-117 an object given a new version between two pages is not served in its old version', async () => {
    const { all, thirdPage } = await twoPagesOfTwo(0xa3)
    await post(hub, token, C, [ind(all[4]!, '2025-08-01T00:00:00.000Z')])
    const third = await thirdPage()
    // the new version was added last: it comes after the others, and the old one not at all
    expect(third.json.objects.map((o: any) => [o.id, o.modified])).toEqual([
      [all[5], '2025-07-14T09:30:00.000Z'],
      [all[4], '2025-08-01T00:00:00.000Z'],
    ])
  })

  it('T-185 T-117 a page read ahead deep in a walk shows writes made after the page before it went out', async () => {
    // pages of two: the third page's request reads the fourth ahead
    const all = Array.from({ length: 8 }, (_, i) => stixId('indicator', i + 1, 0xa4))
    await post(
      hub,
      token,
      C,
      all.map((id) => ind(id)),
    )
    const filter = `match[id]=${all.join(',')}&limit=2`
    const pages: string[][] = []
    let next: string | undefined
    for (let p = 0; p < 3; p++) {
      const res = await hub.request(`${OBJECTS}?${filter}${next ? `&next=${next}` : ''}`, { token })
      pages.push(ids(res))
      next = res.json.next
    }
    expect(pages.flat()).toEqual(all.slice(0, 6))
    const gone = await hub.request(`${OBJECTS}${all[6]}/`, { token, method: 'DELETE' })
    expect(gone.status).toBe(200)
    await post(hub, token, C, [ind(all[7]!, '2025-08-01T00:00:00.000Z')])
    const fourth = await hub.request(`${OBJECTS}?${filter}&next=${next}`, { token })
    expect(fourth.json.objects.map((o: any) => [o.id, o.modified])).toEqual([
      [all[7], '2025-08-01T00:00:00.000Z'],
    ])
    expect(fourth.json.more).toBe(false)
  })

  it('T-127 every page of a long walk comes once, in order, whether read ahead or not', async () => {
    const all = Array.from({ length: 23 }, (_, i) => stixId('indicator', i + 1, 0xa5))
    await post(
      hub,
      token,
      C,
      all.map((id) => ind(id)),
    )
    const filter = `match[id]=${all.join(',')}&limit=3`
    const seen: string[] = []
    let next: string | undefined
    for (;;) {
      const res = await hub.request(`${OBJECTS}?${filter}${next ? `&next=${next}` : ''}`, { token })
      seen.push(...ids(res))
      next = res.json.next
      if (next === undefined) break
    }
    expect(seen).toEqual(all)
  })
})
