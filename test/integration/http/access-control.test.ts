import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import type { CollectionRecord } from '../../../src/storage/store.js'
import { addCollection, expectError, ind, post, sansErrorId, stixId } from './conformance.js'

const OBJ = stixId('indicator', 1, 0xac)
const ABSENT = stixId('indicator', 2, 0xac)

type Op = 'collection' | 'manifest' | 'get' | 'post' | 'object' | 'versions' | 'delete'

describe.each(DIALECTS)('scopes, policies and visibility (%s)', (dialect) => {
  let hub: TestHub
  let ro: CollectionRecord
  let wo: CollectionRecord
  let closed: CollectionRecord
  let twin: CollectionRecord
  let admin: string

  /** One request of the given kind against a collection reference. */
  function call(token: string, op: Op, ref: string, root = 'hub', objectId = OBJ) {
    const base = `/${root}/collections/${ref}/`
    switch (op) {
      case 'collection':
        return hub.request(base, { token })
      case 'manifest':
        return hub.request(`${base}manifest/`, { token })
      case 'get':
        return hub.request(`${base}objects/`, { token })
      case 'post':
        return hub.request(`${base}objects/`, {
          token,
          body: { objects: [ind(stixId('indicator', 100, 0xac))] },
        })
      case 'object':
        return hub.request(`${base}objects/${objectId}/`, { token })
      case 'versions':
        return hub.request(`${base}objects/${objectId}/versions/`, { token })
      case 'delete':
        return hub.request(`${base}objects/${objectId}/`, { token, method: 'DELETE' })
    }
  }

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    ro = await addCollection(hub, { alias: 'feed', title: 'Feed', can_write: false })
    wo = await addCollection(hub, { alias: 'inbox', title: 'Inbox', can_read: false })
    closed = await addCollection(hub, {
      alias: 'closed',
      title: 'Closed',
      can_read: false,
      can_write: false,
    })
    const store = hub.server.deps.store
    await store.createApiRoot({ name: 'second', title: 'Second', max_content_length: 1 << 20 })
    // T-096: an alias is unique within its API root only
    twin = await addCollection(hub, { alias: 'distillation-indicators', title: 'Twin' }, 'second')
    admin = await hub.token({ admin: ['*'] })
    // the object the read tests look up
    await post(hub, admin, 'distillation-indicators', [ind(OBJ)])
  })
  afterAll(() => hub.close())

  it('T-042 T-098 read scope on a read-write collection: can_read only', async () => {
    const reader = await hub.token({ read: ['*'] })
    const res = await call(reader, 'collection', 'distillation-indicators')
    expect(res.json).toMatchObject({ can_read: true, can_write: false })
    expect((await call(reader, 'get', 'distillation-indicators')).status).toBe(200)
    expectError(await call(reader, 'post', 'distillation-indicators'), 403, 'TAXII_ERR_FORBIDDEN')
  })

  it('T-042 T-047 write scope: can_write only, reads are 403', async () => {
    const writer = await hub.token({ write: ['hub/distillation-indicators'] })
    const res = await call(writer, 'collection', 'distillation-indicators')
    expect(res.json).toMatchObject({ can_read: false, can_write: true })
    expect((await call(writer, 'post', 'distillation-indicators')).status).toBe(202)
    for (const op of ['manifest', 'get', 'object', 'versions'] as const) {
      expectError(await call(writer, op, 'distillation-indicators'), 403, 'TAXII_ERR_FORBIDDEN')
    }
  })

  it('T-042 admin scope holds read and write, but never overrides the policy', async () => {
    const cases: [string, boolean, boolean][] = [
      ['distillation-indicators', true, true],
      ['feed', true, false],
      ['inbox', false, true],
      ['closed', false, false],
    ]
    for (const [ref, read, write] of cases) {
      const res = await call(admin, 'collection', ref)
      expect(res.status, ref).toBe(200)
      expect(res.json, ref).toMatchObject({ can_read: read, can_write: write })
    }
  })

  it('T-046 can_read false → 403 on manifest, objects, object and versions', async () => {
    for (const op of ['manifest', 'get', 'object', 'versions'] as const) {
      for (const ref of ['inbox', 'closed']) {
        expectError(await call(admin, op, ref), 403, 'TAXII_ERR_FORBIDDEN')
      }
    }
  })

  it('T-046 the 403 is decided before any object lookup', async () => {
    expectError(await call(admin, 'object', 'inbox', 'hub', ABSENT), 403)
    expectError(await call(admin, 'versions', 'inbox', 'hub', 'not-even-an-id'), 403)
  })

  it('T-047 T-160 can_write false → 403 on add objects, nothing stored', async () => {
    for (const ref of ['feed', 'closed']) {
      expectError(await call(admin, 'post', ref), 403, 'TAXII_ERR_FORBIDDEN')
    }
    const feed = await hub.server.deps.store.listManifest(
      { collection_pk: ro.pk, match_version: { all: true, first: false, last: false, exact: [] } },
      undefined,
      10,
    )
    expect(feed.rows).toEqual([])
  })

  it('T-048 DELETE: read & write → processed, read only → 403, write only → 403, neither → 404', async () => {
    expect((await call(admin, 'delete', 'distillation-indicators', 'hub', ABSENT)).status).toBe(404)
    expectError(await call(admin, 'delete', 'feed'), 403, 'TAXII_ERR_FORBIDDEN')
    expectError(await call(admin, 'delete', 'inbox'), 403, 'TAXII_ERR_FORBIDDEN')
    const neither = await call(admin, 'delete', 'closed')
    expectError(neither, 404, 'TAXII_ERR_COLLECTION_NOT_FOUND')
    const invisible = await call(admin, 'delete', 'no-such-collection')
    expect(sansErrorId(neither.json)).toEqual(sansErrorId(invisible.json))
  })

  it('T-048 the DELETE rights come from scope AND policy', async () => {
    const reader = await hub.token({ read: ['*'] })
    const writer = await hub.token({ write: ['*'] })
    expectError(await call(reader, 'delete', 'distillation-indicators'), 403)
    expectError(await call(writer, 'delete', 'distillation-indicators'), 403)
    const both = await hub.token({ read: ['*'], write: ['*'] })
    expectError(await call(both, 'delete', 'distillation-indicators', 'hub', ABSENT), 404)
  })

  it('T-048 permission outcomes of DELETE are decided before any object lookup', async () => {
    expectError(await call(admin, 'delete', 'feed', 'hub', ABSENT), 403)
    expectError(await call(admin, 'delete', 'closed', 'hub', ABSENT), 404)
  })

  it('T-045 T-049 an invisible collection is 404 with the body of a missing one, on every endpoint', async () => {
    const outsider = await hub.token({ read: ['feed'], write: ['feed'] })
    const ops: Op[] = ['collection', 'manifest', 'get', 'post', 'object', 'versions', 'delete']
    for (const op of ops) {
      const hidden = await call(outsider, op, 'distillation-indicators')
      const missing = await call(outsider, op, 'no-such-collection')
      expectError(hidden, 404, 'TAXII_ERR_COLLECTION_NOT_FOUND')
      expect(sansErrorId(hidden.json), op).toEqual(sansErrorId(missing.json))
      expect(hidden.text).not.toContain('distillation-indicators')
      expect(hidden.text).not.toContain(hub.collection.id)
      expect(hidden.text).not.toContain('Distillation indicators')
    }
  })

  it('T-045 a hidden collection addressed by UUID or by alias answers the same', async () => {
    const outsider = await hub.token({ read: ['feed'] })
    const byId = await call(outsider, 'get', hub.collection.id)
    const byAlias = await call(outsider, 'get', 'distillation-indicators')
    const absentUuid = await call(outsider, 'get', '0b1c7a52-8d4e-4c39-9f0a-2e6b5d8c7a41')
    expect(sansErrorId(byId.json)).toEqual(sansErrorId(byAlias.json))
    expect(sansErrorId(byId.json)).toEqual(sansErrorId(absentUuid.json))
  })

  it('T-042 a collection is visible with any scope on it, whatever the policy', async () => {
    const token = await hub.token({ read: ['inbox', 'closed'] })
    const list = await hub.request('/hub/collections/', { token })
    const rows = list.json.collections.map((c: any) => [c.alias, c.can_read, c.can_write])
    expect(rows).toEqual([
      ['closed', false, false],
      ['inbox', false, false],
    ])
  })

  it('T-042 scopes name collections by UUID or api-root/id-or-alias', async () => {
    const refs = [hub.collection.id, 'hub/distillation-indicators', `hub/${hub.collection.id}`]
    for (const ref of refs) {
      const token = await hub.token({ read: [ref] })
      const res = await call(token, 'get', 'distillation-indicators')
      expect(res.status, ref).toBe(200)
      const list = await hub.request('/hub/collections/', { token })
      expect(
        list.json.collections.map((c: any) => c.id),
        ref,
      ).toEqual([hub.collection.id])
    }
  })

  it('T-042 an api-root/alias reference matches in that API root only', async () => {
    const token = await hub.token({ read: ['second/distillation-indicators'] })
    expectError(await call(token, 'get', 'distillation-indicators'), 404)
    expect((await call(token, 'get', 'distillation-indicators', 'second')).status).toBe(200)
    const list = await hub.request('/second/collections/', { token })
    expect(list.json.collections.map((c: any) => c.id)).toEqual([twin.id])
    expect((await hub.request('/hub/collections/', { token })).text).toBe('{}')
  })

  it('T-042 T-096 token issue refuses an alias that names collections in several API roots', async () => {
    await expect(hub.token({ read: ['distillation-indicators'] })).rejects.toThrow(
      '"distillation-indicators" names a collection in each of the API roots hub, second: give it as <api-root>/distillation-indicators',
    )
  })

  it('T-042 T-096 a bare alias in a token (hand-made, or from before issue bound it) matches no collection', async () => {
    const token = await hub.rawToken({ read: ['distillation-indicators'] })
    expectError(await call(token, 'get', 'distillation-indicators', 'hub'), 404)
    expectError(await call(token, 'get', 'distillation-indicators', 'second'), 404)
    expect((await hub.request('/second/collections/', { token })).text).toBe('{}')
  })

  it('T-042 * covers every collection of every API root, including ones created later', async () => {
    const token = await hub.token({ read: ['*'] })
    const later = await addCollection(hub, { alias: 'created-later', title: 'Later' })
    const res = await call(token, 'collection', later.id)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ id: later.id, can_read: true, can_write: false })
    expect((await call(token, 'get', 'distillation-indicators', 'second')).status).toBe(200)
  })

  it('T-042 token issue refuses a reference to no collection, naming it', async () => {
    await expect(hub.token({ read: ['future-feed'] })).rejects.toThrow(
      'no collection "future-feed" in any API root (create it first)',
    )
    await expect(hub.token({ write: ['second/future-feed'] })).rejects.toThrow(
      'no collection "second/future-feed"',
    )
    await expect(hub.token({ admin: ['nowhere/x'] })).rejects.toThrow('no API root named "nowhere"')
  })

  it('T-042 T-096 a scope given by alias stays on that collection: the alias reused in another API root later grants nothing', async () => {
    const mine = await addCollection(hub, { alias: 'shared-feed', title: 'Shared' })
    const token = await hub.token({ read: ['shared-feed'] })
    const [, payload] = token.split('.')
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString()).scope).toBe(
      `read:hub/${mine.id}`,
    )
    const internal = await addCollection(hub, { alias: 'shared-feed', title: 'Internal' }, 'second')
    expect((await call(token, 'get', 'shared-feed')).status).toBe(200)
    expectError(await call(token, 'get', 'shared-feed', 'second'), 404)
    expectError(await call(token, 'collection', internal.id, 'second'), 404)
  })

  it('T-093 T-044 a token without any scope sees an empty collection list', async () => {
    const token = await hub.token({})
    const res = await hub.request('/hub/collections/', { token })
    expect(res.status).toBe(200)
    expect(res.text).toBe('{}')
  })

  it('T-098 can_read and can_write in the list equal those of the single resource', async () => {
    const token = await hub.token({ read: ['*'], write: ['feed', 'inbox'] })
    const list = await hub.request('/hub/collections/', { token })
    for (const c of list.json.collections) {
      const one = await hub.request(`/hub/collections/${c.id}/`, { token })
      expect(one.json).toEqual(c)
    }
    const flags = Object.fromEntries(
      list.json.collections.map((c: any) => [c.alias, [c.can_read, c.can_write]]),
    )
    expect(flags.feed).toEqual([true, false])
    expect(flags.inbox).toEqual([false, true])
    expect(flags.closed).toEqual([false, false])
    expect(wo.alias).toBe('inbox')
    expect(closed.alias).toBe('closed')
  })
})
