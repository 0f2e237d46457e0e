import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  expectError,
  ind,
  ind20,
  objectsPath,
  post,
  stixId,
  TAXII,
  TAXII_TIMESTAMP,
} from './conformance.js'

const SALT = 0xde
const C = 'distillation-indicators'
const OBJECTS = objectsPath(C)
const V1 = '2025-07-14T09:30:00.000Z'
const V2 = '2025-07-14T10:00:00.000Z'
const V3 = '2025-07-14T11:00:00.000Z'

const versionsOf = (res: { json: any }) =>
  (res.json.objects ?? []).map((o: any) => o.modified ?? o.created)

describe.each(DIALECTS)('GET an object, its versions, and DELETE (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let n = 0
  const fresh = (type = 'indicator') => stixId(type, ++n, SALT)
  const object = (id: string, query = '') =>
    hub.request(`${OBJECTS}${id}/${query === '' ? '' : `?${query}`}`, { token })
  const versions = (id: string, query = '') =>
    hub.request(`${OBJECTS}${id}/versions/${query === '' ? '' : `?${query}`}`, { token })
  const remove = (id: string, query = '') =>
    hub.request(`${OBJECTS}${id}/${query === '' ? '' : `?${query}`}`, { token, method: 'DELETE' })

  /** An indicator with versions V2, V3, V1 posted in that order. */
  async function threeVersions(): Promise<string> {
    const id = fresh()
    for (const v of [V2, V3, V1]) await post(hub, token, C, [ind(id, v)])
    return id
  }

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  describe('T-175..T-180 Get an Object', () => {
    it('T-175 T-178 behaves like match[id]: an envelope with the latest version by default', async () => {
      const id = await threeVersions()
      const res = await object(id)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(TAXII)
      expect(res.json.more).toBe(false)
      expect(versionsOf(res)).toEqual([V3])
      const viaFilter = await hub.request(`${OBJECTS}?match[id]=${id}`, { token })
      expect(viaFilter.text).toBe(res.text)
      expect(res.headers.get('x-taxii-date-added-first')).toMatch(TAXII_TIMESTAMP)
    })

    it('T-177 T-178 supports match[version], added_after, limit and next', async () => {
      const id = await threeVersions()
      expect(versionsOf(await object(id, 'match[version]=all'))).toEqual([V2, V3, V1])
      expect(versionsOf(await object(id, 'match[version]=first'))).toEqual([V1])
      expect(versionsOf(await object(id, `match[version]=${V2}`))).toEqual([V2])
      const all = await hub.request(
        `/hub/collections/${C}/manifest/?match[id]=${id}&match[version]=all`,
        { token },
      )
      const firstAdded = all.json.objects[0].date_added
      expect(versionsOf(await object(id, `match[version]=all&added_after=${firstAdded}`))).toEqual([
        V3,
        V1,
      ])
      const page = await object(id, 'match[version]=all&limit=2')
      expect(page.json.more).toBe(true)
      expect(versionsOf(page)).toEqual([V2, V3])
      const rest = await object(id, `match[version]=all&limit=2&next=${page.json.next}`)
      expect(rest.json.more).toBe(false)
      expect(versionsOf(rest)).toEqual([V1])
    })

    it('T-177 P-5 supports match[spec_version]', async () => {
      const id = fresh()
      await post(hub, token, C, [ind20(id, V1), ind(id, V2)])
      expect(versionsOf(await object(id))).toEqual([V2])
      expect(versionsOf(await object(id, 'match[spec_version]=2.0'))).toEqual([V1])
    })

    it('T-179 P-11 an id never held is 404; one whose versions are all filtered out is {}', async () => {
      const id = await threeVersions()
      expectError(await object(fresh()), 404, 'TAXII_ERR_OBJECT_NOT_FOUND')
      const filtered = await object(id, 'match[version]=2001-01-01T00:00:00.000Z')
      expect(filtered.status).toBe(200)
      expect(filtered.text).toBe('{}')
      expect(filtered.headers.get('x-taxii-date-added-first')).toBeNull()
      expect(filtered.headers.get('x-taxii-date-added-last')).toBeNull()
      expect((await object(id, 'added_after=2999-01-01T00:00:00Z')).text).toBe('{}')
      expect((await object(id, 'match[spec_version]=2.0')).text).toBe('{}')
    })

    it('T-179 a malformed object id is 404 too', async () => {
      expectError(await object('not-a-stix-id'), 404)
    })

    it('T-113 match[id] and match[type] are ignored on this endpoint', async () => {
      const id = await threeVersions()
      const plain = await object(id)
      expect((await object(id, 'match[type]=NOT_A_TYPE')).text).toBe(plain.text)
      expect((await object(id, `match[id]=${fresh()}`)).text).toBe(plain.text)
    })

    it('T-176 T-180 failures: 400, 401, 403, 404, 406', async () => {
      const id = await threeVersions()
      expectError(await object(id, 'match[version]=yesterday'), 400)
      expectError(await hub.request(`${OBJECTS}${id}/`), 401)
      const writer = await hub.token({ write: ['*'] })
      expectError(await hub.request(`${OBJECTS}${id}/`, { token: writer }), 403)
      expectError(await hub.request(`${objectsPath('nope')}${id}/`, { token }), 404)
      expectError(
        await hub.request(`${OBJECTS}${id}/`, { token, headers: { accept: 'application/json' } }),
        406,
      )
    })

    it('T-175 an id with a 250-character custom type is served, versioned and deleted', async () => {
      const type = `x-${'a'.repeat(248)}`
      const id = stixId(type, 1, SALT)
      const custom = { type, spec_version: '2.1', id, created: V1, modified: V1, name: 'long' }
      await post(hub, token, C, [custom])
      expect((await object(id)).json.objects).toEqual([custom])
      expect((await versions(id)).json.versions).toEqual([V1])
      expect((await remove(id)).status).toBe(200)
      expectError(await object(id), 404, 'TAXII_ERR_OBJECT_NOT_FOUND')
      expectError(await object(stixId(`x-${'b'.repeat(248)}`, 2, SALT)), 404)
    })

    it('T-007 the object URL works without trailing slash', async () => {
      const id = await threeVersions()
      const res = await hub.request(`${OBJECTS}${id}`, { token })
      expect(versionsOf(res)).toEqual([V3])
    })
  })

  describe('T-190..T-193 Get Object Versions', () => {
    it('T-190 T-193 lists versions ascending by date_added, with date headers', async () => {
      const id = await threeVersions()
      const res = await versions(id)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(TAXII)
      expect(res.json).toEqual({ more: false, versions: [V2, V3, V1] })
      const manifest = await hub.request(
        `/hub/collections/${C}/manifest/?match[id]=${id}&match[version]=all`,
        { token },
      )
      const dates = manifest.json.objects.map((r: any) => r.date_added)
      expect(res.headers.get('x-taxii-date-added-first')).toBe(dates[0])
      expect(res.headers.get('x-taxii-date-added-last')).toBe(dates[2])
    })

    it('T-190 T-121 an unversioned object lists created, an SCO its date_added', async () => {
      const md = fresh('marking-definition')
      await post(hub, token, C, [
        {
          type: 'marking-definition',
          spec_version: '2.1',
          id: md,
          created: V1,
          definition_type: 'statement',
          definition: { statement: 'x' },
        },
      ])
      expect((await versions(md)).json.versions).toEqual([V1])
      const sco = fresh('ipv4-addr')
      await post(hub, token, C, [
        { type: 'ipv4-addr', spec_version: '2.1', id: sco, value: '192.0.2.3' },
      ])
      const res = await versions(sco)
      expect(res.json.versions).toEqual([res.headers.get('x-taxii-date-added-first')])
    })

    it('T-192 supports added_after, limit, next and match[spec_version]', async () => {
      const id = await threeVersions()
      const page = await versions(id, 'limit=2')
      expect(page.json).toEqual({ more: true, next: expect.any(String), versions: [V2, V3] })
      const rest = await versions(id, `limit=2&next=${page.json.next}`)
      expect(rest.json).toEqual({ more: false, versions: [V1] })
      const after = await versions(id, `added_after=${page.headers.get('x-taxii-date-added-last')}`)
      expect(after.json.versions).toEqual([V1])
      const mixed = fresh()
      await post(hub, token, C, [ind20(mixed, V1), ind(mixed, V2)])
      expect((await versions(mixed)).json.versions).toEqual([V2])
      expect((await versions(mixed, 'match[spec_version]=2.0')).json.versions).toEqual([V1])
      expect((await versions(mixed, 'match[spec_version]=2.0,2.1')).json.versions).toEqual([V1, V2])
    })

    it('T-113 match[version] is not a versions filter and is ignored', async () => {
      const id = await threeVersions()
      expect((await versions(id, 'match[version]=first')).json.versions).toEqual([V2, V3, V1])
      expect((await versions(id, 'match[version]=garbage')).status).toBe(200)
    })

    it('T-193 T-129 nothing left after filters is {}; an unknown object is 404', async () => {
      const id = await threeVersions()
      const empty = await versions(id, 'added_after=2999-01-01T00:00:00Z')
      expect(empty.text).toBe('{}')
      expect(empty.headers.get('x-taxii-date-added-first')).toBeNull()
      expectError(await versions(fresh()), 404, 'TAXII_ERR_OBJECT_NOT_FOUND')
    })

    it('T-191 T-192 failures: 400, 401, 403, 404, 406', async () => {
      const id = await threeVersions()
      expectError(await versions(id, 'limit=0'), 400)
      expectError(await hub.request(`${OBJECTS}${id}/versions/`), 401)
      const writer = await hub.token({ write: ['*'] })
      expectError(await hub.request(`${OBJECTS}${id}/versions/`, { token: writer }), 403)
      expectError(await hub.request(`${objectsPath('nope')}${id}/versions/`, { token }), 404)
      expectError(
        await hub.request(`${OBJECTS}${id}/versions/`, { token, headers: { accept: 'text/html' } }),
        406,
      )
    })
  })

  describe('T-183..T-188 DELETE', () => {
    it('T-185 T-186 T-187 P-10 without filters removes every version; then everything 404s', async () => {
      const id = await threeVersions()
      await post(hub, token, C, [ind20(id, '2025-07-14T08:00:00.000Z')])
      const res = await remove(id)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(TAXII)
      expect(res.text).toBe('')
      expectError(await object(id), 404, 'TAXII_ERR_OBJECT_NOT_FOUND')
      expectError(await object(id, 'match[spec_version]=2.0&match[version]=all'), 404)
      expectError(await versions(id), 404)
      const listing = await hub.request(
        `${OBJECTS}?match[id]=${id}&match[version]=all&match[spec_version]=2.0,2.1`,
        { token },
      )
      expect(listing.text).toBe('{}')
      const manifest = await hub.request(
        `/hub/collections/${C}/manifest/?match[id]=${id}&match[version]=all&match[spec_version]=2.0,2.1`,
        { token },
      )
      expect(manifest.text).toBe('{}')
      expectError(await remove(id), 404, 'TAXII_ERR_OBJECT_NOT_FOUND')
    })

    it('T-187 match[version]=last removes the latest by version value only', async () => {
      const id = await threeVersions()
      expect((await remove(id, 'match[version]=last')).status).toBe(200)
      expect((await versions(id)).json.versions).toEqual([V2, V1])
      expect(versionsOf(await object(id))).toEqual([V2])
    })

    it('T-187 match[version]=first removes the earliest by version value only', async () => {
      const id = await threeVersions()
      expect((await remove(id, 'match[version]=first')).status).toBe(200)
      expect((await versions(id)).json.versions).toEqual([V2, V3])
    })

    it('T-183 T-187 a specific version, in any precision, removes just that one', async () => {
      const id = await threeVersions()
      expect((await remove(id, 'match[version]=2025-07-14T10:00:00Z')).status).toBe(200)
      expect((await versions(id)).json.versions).toEqual([V3, V1])
      expectError(await remove(id, `match[version]=${V2}`), 404)
    })

    it('T-187 P-5 match[spec_version] selects the versions of that spec version', async () => {
      const id = fresh()
      await post(hub, token, C, [ind20(id, V3), ind(id, V1), ind(id, V2)])
      expect((await remove(id, 'match[spec_version]=2.0')).status).toBe(200)
      expect((await versions(id, 'match[spec_version]=2.0,2.1')).json.versions).toEqual([V1, V2])
      expectError(await remove(id, 'match[spec_version]=2.0'), 404)
    })

    it('T-187 last is evaluated across spec versions (no default spec-version filter)', async () => {
      const id = fresh()
      // the 2.0 version has the larger version value
      await post(hub, token, C, [ind(id, V1), ind20(id, V3)])
      expect((await remove(id, 'match[version]=last')).status).toBe(200)
      const left = await versions(id, 'match[spec_version]=2.0,2.1')
      expect(left.json.versions).toEqual([V1])
    })

    it('T-187 nothing selected is 404 and nothing changes', async () => {
      const id = await threeVersions()
      expectError(await remove(id, 'match[version]=2001-01-01T00:00:00.000Z'), 404)
      expectError(await remove(fresh()), 404)
      expect((await versions(id)).json.versions).toEqual([V2, V3, V1])
    })

    it('T-186 deletion is per collection: another collection keeps its copy', async () => {
      const other = await addCollection(hub, { alias: 'mirror', title: 'Mirror' })
      const id = fresh()
      await post(hub, token, C, [ind(id)])
      await post(hub, token, 'mirror', [ind(id)])
      expect((await remove(id)).status).toBe(200)
      const kept = await hub.request(`/hub/collections/${other.id}/objects/${id}/`, { token })
      expect(kept.json.objects.map((o: any) => o.id)).toEqual([id])
    })

    it('T-113 DELETE ignores the parameters it does not list', async () => {
      const id = await threeVersions()
      const res = await remove(id, `limit=abc&added_after=never&next=***&match[type]=X&match[id]=y`)
      expect(res.status).toBe(200)
      expectError(await object(id), 404)
    })

    it('T-184 T-185 failures: 400, 401, 403, 404, 406', async () => {
      const id = await threeVersions()
      expectError(await remove(id, 'match[version]=all,last'), 400)
      expectError(await hub.request(`${OBJECTS}${id}/`, { method: 'DELETE' }), 401)
      const reader = await hub.token({ read: ['*'] })
      expectError(await hub.request(`${OBJECTS}${id}/`, { token: reader, method: 'DELETE' }), 403)
      expectError(
        await hub.request(`${objectsPath('nope')}${id}/`, { token, method: 'DELETE' }),
        404,
      )
      expectError(
        await hub.request(`${OBJECTS}${id}/`, {
          token,
          method: 'DELETE',
          headers: { accept: 'text/html' },
        }),
        406,
      )
      expect((await versions(id)).json.versions).toEqual([V2, V3, V1])
    })

    it('T-188 deleted objects vanish from query results immediately', async () => {
      const id = fresh()
      await post(hub, token, C, [ind(id)])
      const before = await hub.request(`${OBJECTS}?match[id]=${id}`, { token })
      expect(before.json.objects).toHaveLength(1)
      await remove(id)
      expect((await hub.request(`${OBJECTS}?match[id]=${id}`, { token })).text).toBe('{}')
    })
  })
})
