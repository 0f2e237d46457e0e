import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NewObject, ObjectQuery } from '../../../src/storage/store.js'
import { versionKey } from '../../../src/stix/timestamps.js'
import { DIALECTS, deletionAudit, pageTexts } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'

/**
 * The default listing (T-122, T-123) keeps, of each object, its newest version of its newest spec
 * version among the records that pass added_after. The store keeps that answer in a column of
 * each record (0004), maintained by adds and deletes: random histories are checked against the
 * rule computed here from everything written.
 */

const IDS = [1, 2, 3].map((n) => `indicator--00000000-0000-4000-8000-00000000000${n}`)
const MODIFIED = [
  '2025-01-01T00:00:00.000Z',
  '2025-02-01T00:00:00.000Z',
  '2025-03-01T00:00:00.000Z',
  '2025-04-01T00:00:00.000Z',
]

interface Written {
  id: string
  spec: string
  key: string
  body: string
  dateAdded: string
}

type Step =
  | { add: { id: number; spec: '2.0' | '2.1'; modified: number }[] }
  | { remove: { id: number; modified: number | undefined } }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.record({
          id: fc.nat(IDS.length - 1),
          spec: fc.constantFrom('2.0' as const, '2.1' as const),
          modified: fc.nat(MODIFIED.length - 1),
        }),
        { minLength: 1, maxLength: 5 },
      )
      .map((add) => ({ add })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: fc.nat(IDS.length - 1), modified: fc.option(fc.nat(MODIFIED.length - 1)) })
      .map(({ id, modified }) => ({ remove: { id, modified: modified ?? undefined } })),
  },
)

function object(id: string, spec: string, modified: string): NewObject {
  const body = {
    type: 'indicator',
    ...(spec === '2.1' && { spec_version: '2.1' }),
    id,
    created: '2024-12-01T00:00:00.000Z',
    modified,
  }
  return {
    id,
    type: 'indicator',
    spec_version: spec,
    version: modified,
    version_key: versionKey(modified),
    body: JSON.stringify(body),
  }
}

/** The rule itself, over every record the history left. */
function expected(records: Written[], addedAfter: string | undefined): string[] {
  const passing = records.filter((r) => addedAfter === undefined || r.dateAdded > addedAfter)
  const newest = passing.filter(
    (r) =>
      !passing.some(
        (s) => s.id === r.id && (s.spec > r.spec || (s.spec === r.spec && s.key > r.key)),
      ),
  )
  return newest.sort((a, b) => (a.dateAdded < b.dateAdded ? -1 : 1)).map((r) => r.body)
}

describe.each(DIALECTS)('the newest version of each object, kept by writes (%s)', (dialect) => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub(dialect)
  })
  afterAll(() => hub?.close())

  it('T-122 T-123 the default listing after random adds and deletes, with and without added_after', async () => {
    const { store } = hub.server.deps
    let round = 0
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const collection = await store.createCollection(hub.collection.api_root_pk, {
          id: `7c1d2a3b-0000-4000-8000-${(++round).toString(16).padStart(12, '0')}`,
          alias: null,
          title: `history ${round}`,
          description: null,
          can_read: true,
          can_write: true,
          media_types: ['application/stix+json;version=2.1'],
        })
        const records: Written[] = []
        for (const s of steps) {
          if ('add' in s) {
            const objects = s.add.map((a) => object(IDS[a.id]!, a.spec, MODIFIED[a.modified]!))
            const { stored } = await store.addObjects(collection.pk, objects, () => undefined)
            const page = await store.listManifest(
              { collection_pk: collection.pk, default_spec_version: false },
              undefined,
              1000,
            )
            for (const index of stored.keys()) {
              const o = objects[index]!
              const row = page.rows.find((r) => r.id === o.id && r.version === o.version)!
              records.push({
                id: o.id,
                spec: o.spec_version,
                key: o.version_key!,
                body: String(o.body),
                dateAdded: row.date_added,
              })
            }
          } else {
            const q: ObjectQuery = {
              collection_pk: collection.pk,
              object_id: IDS[s.remove.id]!,
              default_spec_version: false,
              ...(s.remove.modified !== undefined && {
                match_version: {
                  all: false,
                  first: false,
                  last: false,
                  exact: [versionKey(MODIFIED[s.remove.modified]!)],
                },
              }),
            }
            const gone = await store.deleteObjects(q, deletionAudit)
            for (const g of gone) {
              const at = records.findIndex((r) => r.id === g.id && r.key === versionKey(g.version))
              records.splice(at, 1)
            }
          }
        }
        for (const addedAfter of [undefined, ...records.map((r) => r.dateAdded)]) {
          const texts = await pageTexts(
            store,
            {
              collection_pk: collection.pk,
              ...(addedAfter !== undefined && { added_after: addedAfter }),
              match_version: { all: false, first: false, last: true, exact: [] },
            },
            undefined,
            1000,
          )
          expect(texts).toEqual(expected(records, addedAfter).join(','))
        }
      }),
      { numRuns: 40 },
    )
  })
})
