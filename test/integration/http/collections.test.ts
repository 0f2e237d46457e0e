import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  expectError,
  ind20,
  post,
  STIX_20,
  STIX_21,
  stixId,
  TAXII,
  UUID_V4,
} from './conformance.js'

describe.each(DIALECTS)('collections (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    // titles out of creation order, two with the same title (ordered by id then)
    await addCollection(hub, { alias: 'zeta', title: 'Zeta feed' })
    await addCollection(hub, {
      id: 'ffffffff-0000-4000-8000-000000000000',
      alias: 'alpha-2',
      title: 'Alpha feed',
    })
    await addCollection(hub, {
      id: '00000000-ffff-4000-8000-000000000000',
      alias: 'alpha-1',
      title: 'Alpha feed',
      description: 'first of the alphas',
    })
  })
  afterAll(() => hub.close())

  it('T-090 T-091 T-095 T-008 lists collections as collection resources', async () => {
    const res = await hub.request('/hub/collections/', { token })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TAXII)
    expect(Object.keys(res.json)).toEqual(['collections'])
    for (const c of res.json.collections) {
      expect(typeof c.id).toBe('string')
      expect(typeof c.title).toBe('string')
      expect(typeof c.can_read).toBe('boolean')
      expect(typeof c.can_write).toBe('boolean')
      for (const key of Object.keys(c)) {
        expect([
          'id',
          'title',
          'description',
          'alias',
          'can_read',
          'can_write',
          'media_types',
        ]).toContain(key)
      }
    }
  })

  it('T-092 returns collections in the same order every time: by title, then id', async () => {
    const first = await hub.request('/hub/collections/', { token })
    const second = await hub.request('/hub/collections/', { token })
    expect(second.text).toBe(first.text)
    expect(first.json.collections.map((c: any) => c.alias)).toEqual([
      'alpha-1',
      'alpha-2',
      'distillation-indicators',
      'reference',
      'zeta',
    ])
  })

  it('T-091 an API root without collections answers {}', async () => {
    await hub.server.deps.store.createApiRoot({
      name: 'empty',
      title: 'Empty',
      max_content_length: 1 << 20,
    })
    const res = await hub.request('/empty/collections/', { token })
    expect(res.status).toBe(200)
    expect(res.text).toBe('{}')
  })

  it('T-094 T-095 T-097 a collection is served by UUID and by alias alike', async () => {
    const byAlias = await hub.request('/hub/collections/distillation-indicators/', { token })
    expect(byAlias.status).toBe(200)
    expect(byAlias.json).toEqual({
      id: hub.collection.id,
      title: 'Distillation indicators',
      description: expect.any(String),
      alias: 'distillation-indicators',
      can_read: true,
      can_write: true,
      media_types: [STIX_21, STIX_20],
    })
    const byId = await hub.request(`/hub/collections/${hub.collection.id}/`, { token })
    expect(byId.text).toBe(byAlias.text)
  })

  it('T-012 T-095 collections the hub creates have UUIDv4 ids', async () => {
    expect(hub.collection.id).toMatch(UUID_V4)
  })

  it('T-012 the path accepts any 8-4-4-4-12 hexadecimal id, not only v4', async () => {
    const v1 = await addCollection(hub, { id: 'c232ab00-9414-11ec-b3c8-9f6bdeced846', title: 'V1' })
    const res = await hub.request(`/hub/collections/${v1.id}/objects/`, { token })
    expect(res.status).toBe(200)
    expect(res.text).toBe('{}')
  })

  it('T-012 a collection id is found whatever the case of its hex digits (RFC 4122)', async () => {
    const minted = await hub.request(`/hub/collections/${hub.collection.id.toUpperCase()}/`, {
      token,
    })
    expect(minted.status).toBe(200)
    expect(minted.json.id).toBe(hub.collection.id)
    const imported = await addCollection(hub, {
      id: 'C232AB00-9414-11EC-B3C8-9F6BDECED847',
      title: 'Imported upper case',
    })
    const res = await hub.request(`/hub/collections/${imported.id.toLowerCase()}/objects/`, {
      token,
    })
    expect(res.status).toBe(200)
  })

  it('T-012 T-097 anything else in the id position is 404', async () => {
    for (const ref of ['not-a-collection', 'ZZZZ', '12345678-1234-1234-1234-1234567890ab', '%20']) {
      expectError(await hub.request(`/hub/collections/${ref}/`, { token }), 404)
    }
  })

  it('T-094 collection: 401, 404 and 406', async () => {
    expectError(await hub.request('/hub/collections/distillation-indicators/'), 401)
    expectError(await hub.request('/hub/collections/nope/', { token }), 404)
    expectError(
      await hub.request('/hub/collections/distillation-indicators/', {
        token,
        headers: { accept: 'application/json' },
      }),
      406,
    )
  })

  it('T-090 collections: 401 and 404 for an unknown API root', async () => {
    expectError(await hub.request('/hub/collections/'), 401)
    expectError(
      await hub.request('/nope/collections/', { token }),
      404,
      'TAXII_ERR_API_ROOT_NOT_FOUND',
    )
  })

  it('T-096 T-097 an alias is unique within its API root only', async () => {
    await hub.server.deps.store.createApiRoot({
      name: 'other',
      title: 'Other',
      max_content_length: 1 << 20,
    })
    const twin = await addCollection(hub, { alias: 'zeta', title: 'Other zeta' }, 'other')
    const a = await hub.request('/other/collections/zeta/', { token })
    const b = await hub.request('/hub/collections/zeta/', { token })
    expect(a.json.id).toBe(twin.id)
    expect(b.json.id).not.toBe(twin.id)
    // the UUID of one API root's collection is not found through another
    expectError(await hub.request(`/other/collections/${hub.collection.id}/`, { token }), 404)
  })

  it('T-007 T-097 the collection path works without trailing slash', async () => {
    const res = await hub.request('/hub/collections/distillation-indicators', { token })
    expect(res.status).toBe(200)
    expect((await hub.request('/hub/collections', { token })).status).toBe(200)
  })

  it('T-099 an imported collection listing only 2.1 gains 2.0 when it first stores 2.0 content', async () => {
    const imported = await addCollection(hub, {
      alias: 'imported',
      title: 'Imported',
      media_types: [STIX_21],
    })
    const before = await hub.request(`/hub/collections/${imported.id}/`, { token })
    expect(before.json.media_types).toEqual([STIX_21])
    await post(hub, token, 'imported', [ind20(stixId('indicator', 1, 0xc0))])
    const after = await hub.request(`/hub/collections/${imported.id}/`, { token })
    expect(after.json.media_types).toEqual([STIX_21, STIX_20])
    const manifest = await hub.request('/hub/collections/imported/manifest/', { token })
    expect(after.json.media_types).toContain(manifest.json.objects[0].media_type)
  })

  it('T-009 T-013 booleans are JSON booleans and no empty list is emitted', async () => {
    const res = await hub.request('/hub/collections/', { token })
    expect(res.text).not.toMatch(/"(true|false)"/)
    expect(res.text).not.toContain('[]')
  })
})
