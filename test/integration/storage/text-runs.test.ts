import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KeysetPosition, ObjectQuery, TextPage } from '../../../src/storage/store.js'
import {
  DIALECTS,
  joinedString,
  newIndicators,
  openTestStore,
  pageTexts,
  textPage,
  type TestStore,
} from '../../helpers/db.js'

// Pages read ahead of a walk come two to a query (listObjectTextRun): each must be the page that
// a query for it alone, after the page before it, gives.

interface Shown {
  texts: string
  more: boolean
  ends: TextPage['ends']
}

const shown = (p: TextPage): Shown => ({
  texts: joinedString(p.texts),
  more: p.more,
  ends: p.ends,
})

describe.each(DIALECTS)('runs of pages read by one COPY (%s)', (dialect) => {
  let t: TestStore
  let q: ObjectQuery

  beforeAll(async () => {
    t = await openTestStore(dialect)
    q = { collection_pk: t.collectionPk }
    // three envelopes: three runs of date_added, each in one transaction
    for (const [first, count] of [
      [0, 9],
      [9, 8],
      [17, 6],
    ] as const) {
      await t.store.addObjects(t.collectionPk, newIndicators(first, count), () => undefined)
    }
    // a later version of indicator 3, which match[version]=last shows in place of the first
    const [again] = newIndicators(3, 1)
    await t.store.addObjects(
      t.collectionPk,
      [
        {
          ...again!,
          version: '2025-07-15T09:30:00.000Z',
          version_key: '2025-07-15T09:30:00.000000000Z',
          body: String(again!.body).replace('}', ',"modified":"2025-07-15T09:30:00.000Z"}'),
        },
      ],
      () => undefined,
    )
  }, 60_000)

  afterAll(() => t?.close())

  /** `pages` pages of `limit` after `after`, each read by its own query after the one before. */
  async function oneByOne(
    query: ObjectQuery,
    after: KeysetPosition | undefined,
    limit: number,
    pages: number,
  ): Promise<Shown[]> {
    const out: Shown[] = []
    let from = after
    for (let i = 0; i < pages; i++) {
      const p = await textPage(t.store, query, from, limit)
      if (i > 0 && p.ends === undefined) break
      out.push(shown(p))
      if (!p.more || p.ends === undefined) break
      from = p.ends.last
    }
    return out
  }

  it('T-127 T-128 each page of a run is the page a query after the one before it gives', async () => {
    const queries: ObjectQuery[] = [
      q,
      { ...q, match_version: { all: false, first: false, last: true, exact: [] } },
      { ...q, match_id: newIndicators(0, 12).map((o) => o.id) },
    ]
    for (const query of queries) {
      for (const limit of [1, 3, 4, 7, 30]) {
        for (const pages of [1, 2, 3]) {
          let after: KeysetPosition | undefined
          for (;;) {
            const run = (await t.store.listObjectTextRun(query, after, limit, pages)).map(shown)
            expect(run).toEqual(await oneByOne(query, after, limit, pages))
            const last = run[run.length - 1]!
            if (!last.more || last.ends === undefined) break
            after = last.ends.last
          }
        }
      }
    }
  })

  it('T-128 a run ends with the listing: fewer pages, the last saying there is no more', async () => {
    const run = await t.store.listObjectTextRun(q, undefined, 10, 5)
    expect(run.map((p) => p.more)).toEqual([true, true, false])
    // 23 objects, one of them in two versions
    expect(run.map((p) => joinedString(p.texts).split('},{').length)).toEqual([10, 10, 4])
  })

  it('T-131 a run after the last object is one empty page', async () => {
    const all = await textPage(t.store, q, undefined, 100)
    const run = await t.store.listObjectTextRun(q, all.ends!.last, 10, 2)
    expect(run).toHaveLength(1)
    expect(run[0]!.more).toBe(false)
    expect(run[0]!.ends).toBeUndefined()
    expect(run[0]!.texts.count).toBe(0)
  })

  it('the pages of a run can be copied in any order, and none once released', async () => {
    const run = await t.store.listObjectTextRun(q, undefined, 4, 3)
    const texts = [2, 0, 1].map((i) => joinedString(run[i]!.texts))
    expect([texts[1], texts[2], texts[0]].join(',')).toBe(
      await pageTexts(t.store, q, undefined, 12),
    )
    run[0]!.texts.release()
    expect(joinedString(run[1]!.texts)).toBe(texts[2])
    expect(() => joinedString(run[0]!.texts)).toThrow(/released/)
  })
})
