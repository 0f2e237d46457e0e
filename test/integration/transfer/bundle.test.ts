import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { operations } from '../../../src/admin/operations.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { fixture, readFixture } from './support.js'

const bundle = readFixture('bundle.json')
const [scraper, broken, , tool] = bundle.objects as Record<string, any>[]
const objectsPath = '/hub/collections/distillation-indicators/objects/'

describe.each(DIALECTS)('import of a STIX bundle into a collection (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'] })
  })
  afterAll(() => hub.close())

  const importBundle = () =>
    operations.import(hub.server.deps, {
      file: fixture('bundle.json'),
      collection: 'distillation-indicators',
    })

  it('stores the objects as if posted and reports the invalid ones', async () => {
    const before = await hub.server.deps.store.now()
    const summary = await importBundle()
    expect(summary).toMatchObject({
      format: 'bundle',
      api_root: 'hub',
      collection: hub.collection.id,
      total_count: 4,
      success_count: 3,
      failure_count: 1,
    })
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^not stored: indicator--not-a-uuid 2025-07-10T08:00:00.000Z: S-030/),
    ])
    const res = await hub.request(`${objectsPath}?match[spec_version]=2.0,2.1`, { token })
    expect(res.json.objects).toEqual([scraper, tool])
    expect(res.json.objects).not.toContainEqual(broken)
    // fresh stamps, strictly increasing (T-134)
    const first = res.headers.get('x-taxii-date-added-first')!
    const last = res.headers.get('x-taxii-date-added-last')!
    expect(first > before).toBe(true)
    expect(last > first).toBe(true)
  })

  it('T-137 counts objects already stored as successes on a second import', async () => {
    const manifest = await hub.request('/hub/collections/distillation-indicators/manifest/', {
      token,
    })
    const summary = await importBundle()
    expect(summary).toMatchObject({ success_count: 3, failure_count: 1 })
    const again = await hub.request('/hub/collections/distillation-indicators/manifest/', {
      token,
    })
    expect(again.json).toEqual(manifest.json)
  })

  it('names the collection it cannot find', async () => {
    await expect(
      operations.import(hub.server.deps, { file: fixture('bundle.json'), collection: 'nope' }),
    ).rejects.toThrow('no collection "nope" in hub')
    await expect(
      operations.import(hub.server.deps, { file: fixture('bundle.json') }),
    ).rejects.toThrow('give --collection')
  })
})
