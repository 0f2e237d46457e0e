import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyRetention } from '../../../src/services/retention.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { ind, objectsPath, post, sleep, stixId } from './conformance.js'

const C = 'distillation-indicators'
const OBJECTS = objectsPath(C)
const V1 = '2025-07-14T09:30:00.000Z'
const V2 = '2025-07-14T10:00:00.000Z'
const RETENTION_MS = 2000

const ids = (res: { json: any }): string[] =>
  (res.json.objects ?? []).map((o: any) => `${o.id}@${o.modified ?? o.version}`).sort()

describe.each(DIALECTS)('T-017 retention (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let n = 0
  const fresh = () => stixId('indicator', ++n, 0x7e)
  const get = (path: string) => hub.request(path, { token })

  beforeAll(async () => {
    hub = await startTestHub(dialect, { HYDRAWATCH_RETENTION: `${RETENTION_MS / 1000}s` })
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  it('T-017 T-186 removes versions added longer ago from every answer; an object re-shared since keeps its newer ones', async () => {
    const renewed = fresh()
    const stale = fresh()
    const kept = fresh()
    const reference = await get('/hub/collections/reference/objects/')
    expect(reference.status).toBe(200)
    // retention goes by date_added: the higher version of `renewed` is the one added first
    await post(hub, token, C, [ind(renewed, V2), ind(stale, V1)])
    await sleep(RETENTION_MS + 200)
    await post(hub, token, C, [ind(renewed, V1), ind(kept, V1)])

    // the built-in reference collection, seeded when the hub started, is not counted
    expect(await applyRetention(hub.server.deps)).toBe(2)

    expect(ids(await get(OBJECTS))).toEqual([`${kept}@${V1}`, `${renewed}@${V1}`].sort())
    expect(ids(await get(`${OBJECTS}?match[version]=all`))).toEqual(
      [`${kept}@${V1}`, `${renewed}@${V1}`].sort(),
    )
    const manifest = await get(`/hub/collections/${C}/manifest/`)
    expect(ids(manifest)).toEqual([`${kept}@${V1}`, `${renewed}@${V1}`].sort())
    expect((await get(`${OBJECTS}${stale}/`)).status).toBe(404)
    expect((await get(`${OBJECTS}${stale}/versions/`)).status).toBe(404)
    // the survivor's own flags were refreshed: it is now the last version
    expect(ids(await get(`${OBJECTS}${renewed}/`))).toEqual([`${renewed}@${V1}`])
    expect((await get(`${OBJECTS}${renewed}/versions/`)).json.versions).toEqual([V1])

    expect((await get('/hub/collections/reference/objects/')).text).toBe(reference.text)
    const [event] = await hub.server.deps.auditLog.list({ action: 'expire_objects', limit: 10 })
    expect(event).toMatchObject({
      sub: null,
      api_root: 'hub',
      collection_id: hub.collection.id,
      details: { removed: 2, retention_seconds: RETENTION_MS / 1000 },
    })

    expect(await applyRetention(hub.server.deps)).toBe(0)
  })

  it('keeps every version when HYDRAWATCH_RETENTION is unset, and stops once told to', async () => {
    const old = fresh()
    await post(hub, token, C, [ind(old, V1)])
    await sleep(RETENTION_MS + 200)
    const deps = hub.server.deps
    const unset = { ...deps, config: { ...deps.config, retentionSeconds: undefined } }
    expect(await applyRetention(unset)).toBe(0)
    // a hub shutting down aborts the run before its next batch
    expect(await applyRetention(deps, AbortSignal.abort())).toBe(0)
    expect((await get(`${OBJECTS}${old}/`)).status).toBe(200)
    expect(await applyRetention(deps)).toBeGreaterThanOrEqual(1)
    expect((await get(`${OBJECTS}${old}/`)).status).toBe(404)
  })
})
