import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startHubOn, startTestHub, type TestHub } from '../../helpers/hub.js'
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

  /** Runs `fn` with a second hub on the same database, stopped afterwards. */
  async function withOtherHub(fn: (other: TestHub) => Promise<void>): Promise<void> {
    const other = await startHubOn(hub.databaseUrl)
    try {
      await fn(other)
    } finally {
      await other.close()
    }
  }

  /** Posts `count` new objects and returns their ids, in the order they are added. */
  async function postNew(salt: number, count = 6): Promise<string[]> {
    const all = Array.from({ length: count }, (_, i) => stixId('indicator', i + 1, salt))
    await post(
      hub,
      token,
      C,
      all.map((id) => ind(id)),
    )
    return all
  }

  /**
   * Follows `next` from the first page of `filter`, for at most `maxPages` pages: the ids of each
   * page, and the last page's next.
   */
  async function walk(filter: string, maxPages = Infinity) {
    const pages: string[][] = []
    let next: string | undefined
    do {
      const res = await hub.request(`${OBJECTS}?${filter}${next ? `&next=${next}` : ''}`, { token })
      pages.push(ids(res))
      next = res.json.next
    } while (next !== undefined && pages.length < maxPages)
    return { pages, next }
  }

  it('T-127 T-128 a page is served as read, every object once, when nothing was written between', async () => {
    const all = await postNew(0xa1)
    const { pages } = await walk(`match[id]=${all.join(',')}&limit=2`)
    expect(pages.flat()).toEqual(all)
  })

  /**
   * Six new objects, and their first two pages of two: the hub reads the third ahead while the
   * second goes out (a client that followed a next is paging). thirdPage() asks for it.
   */
  async function twoPagesOfTwo(salt: number) {
    const all = await postNew(salt)
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

  it.runIf(dialect === 'postgres')(
    'T-185 an object deleted through another hub on the database between two pages is not on the next one',
    async () => {
      await withOtherHub(async (other) => {
        const { all, thirdPage } = await twoPagesOfTwo(0xa9)
        const gone = await other.request(`${OBJECTS}${all[4]}/`, { token, method: 'DELETE' })
        expect(gone.status).toBe(200)
        expect(ids(await thirdPage())).toEqual([all[5]])
      })
    },
  )

  /**
   * Eight new objects, and their first two pages of two: the hub reads the third and the fourth
   * ahead while the second goes out. rest() asks for the third and then the fourth.
   */
  async function twoPagesOfTwoOfFour(salt: number) {
    const all = await postNew(salt, 8)
    const filter = `match[id]=${all.join(',')}&limit=2`
    const { pages, next } = await walk(filter, 2)
    expect(pages.flat()).toEqual(all.slice(0, 4))
    return {
      all,
      rest: async () => {
        const third = await hub.request(`${OBJECTS}?${filter}&next=${next}`, { token })
        const fourth = await hub.request(`${OBJECTS}?${filter}&next=${third.json.next}`, { token })
        return [ids(third), ids(fourth)]
      },
    }
  }

  it('T-185 an object deleted on the page after next, read two ahead, is not served', async () => {
    const { all, rest } = await twoPagesOfTwoOfFour(0xaa)
    const gone = await hub.request(`${OBJECTS}${all[6]}/`, { token, method: 'DELETE' })
    expect(gone.status).toBe(200)
    expect(await rest()).toEqual([all.slice(4, 6), [all[7]]])
  })

  it.runIf(dialect === 'postgres')(
    'T-185 an object deleted through another hub on the page after next, read two ahead, is not served',
    async () => {
      await withOtherHub(async (other) => {
        const { all, rest } = await twoPagesOfTwoOfFour(0xab)
        const gone = await other.request(`${OBJECTS}${all[6]}/`, { token, method: 'DELETE' })
        expect(gone.status).toBe(200)
        expect(await rest()).toEqual([all.slice(4, 6), [all[7]]])
      })
    },
  )

  it.runIf(dialect === 'postgres')(
    'T-185 an object deleted through another hub while this one reads ahead under its lease is not served',
    async () => {
      await withOtherHub(async (other) => {
        // Pages of two of twelve objects. The second page's request reads the third and the
        // fourth ahead, and takes a read-ahead lease on the collection; once it holds it, the
        // third's reads the fifth and the sixth under it, which it then serves without asking
        // for removals while the lease runs.
        const all = await postNew(0xac, 12)
        const filter = `match[id]=${all.join(',')}&limit=2`
        const { pages, next } = await walk(filter, 2)
        expect(pages.flat()).toEqual(all.slice(0, 4))
        await sleep(300)
        const third = await hub.request(`${OBJECTS}?${filter}&next=${next}`, { token })
        expect(ids(third)).toEqual(all.slice(4, 6))
        await sleep(100)
        const started = performance.now()
        const gone = await other.request(`${OBJECTS}${all[8]}/`, { token, method: 'DELETE' })
        expect(gone.status).toBe(200)
        // the deletion waited for this hub's lease: the pages read under it went out of date
        expect(performance.now() - started).toBeGreaterThan(100)
        const rest: string[][] = []
        for (let n: string | undefined = third.json.next; n !== undefined;) {
          const page = await hub.request(`${OBJECTS}?${filter}&next=${n}`, { token })
          rest.push(ids(page))
          n = page.json.next
        }
        expect(rest).toEqual([all.slice(6, 8), [all[9], all[10]], [all[11]]])
      })
    },
  )

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
    const all = await postNew(0xa4, 8)
    const filter = `match[id]=${all.join(',')}&limit=2`
    const { pages, next } = await walk(filter, 3)
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
    const all = await postNew(0xa5, 23)
    const { pages } = await walk(`match[id]=${all.join(',')}&limit=3`)
    expect(pages.flat()).toEqual(all)
  })
})
