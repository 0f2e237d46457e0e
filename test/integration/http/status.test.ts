import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { operations } from '../../../src/admin/operations.js'
import type { StatusRecord } from '../../../src/storage/store.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  expectError,
  ind,
  objectsPath,
  raw,
  sansErrorId,
  stixId,
  TAXII,
  TAXII_TIMESTAMP,
  UUID_V4,
} from './conformance.js'

const SALT = 0x57
const OBJECTS = objectsPath('distillation-indicators')

/** The invariants of T-085 on one status resource. */
function expectInvariants(s: any) {
  expect(s.total_count).toBe(s.success_count + s.failure_count + s.pending_count)
  expect(s.status === 'complete').toBe(s.pending_count === 0)
  expect(['complete', 'pending']).toContain(s.status)
  for (const [list, count] of [
    ['successes', 'success_count'],
    ['failures', 'failure_count'],
    ['pendings', 'pending_count'],
  ] as const) {
    if (s[count] > 0) expect(s[list]).toHaveLength(s[count])
    else expect(s[list]).toBeUndefined()
  }
  expect(s.request_timestamp).toMatch(TAXII_TIMESTAMP)
  for (const d of [...(s.successes ?? []), ...(s.failures ?? []), ...(s.pendings ?? [])]) {
    expect(typeof d.id).toBe('string')
    expect(typeof d.version).toBe('string')
  }
}

describe.each(DIALECTS)('status resources (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let mixed: any
  const statusPath = (id: string, root = 'hub') => `/${root}/status/${id}/`

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ sub: 'lab-a', read: ['*'], write: ['*'] })
    const dup = stixId('indicator', 1, SALT)
    await hub.request(OBJECTS, { token, body: { objects: [ind(dup)] } })
    const res = await hub.request(OBJECTS, {
      token,
      body: {
        objects: [
          ind(stixId('indicator', 2, SALT)),
          ind(dup),
          { type: 'indicator', spec_version: '2.1' },
          ind(stixId('indicator', 3, SALT), '2020-01-01T00:00:00.000Z'),
        ],
      },
    })
    mixed = res.json
  })
  afterAll(() => hub.close())

  it('T-012 T-083 the status id is a UUIDv4 and the resource has the required members', async () => {
    expect(mixed.id).toMatch(UUID_V4)
    for (const key of ['id', 'status', 'total_count', 'success_count', 'failure_count']) {
      expect(mixed).toHaveProperty(key)
    }
    expect(mixed).toHaveProperty('pending_count')
  })

  it('T-085 P-12 counts invariants hold for a mixed envelope', async () => {
    expect(mixed).toMatchObject({
      status: 'complete',
      total_count: 4,
      success_count: 2,
      failure_count: 2,
      pending_count: 0,
    })
    expectInvariants(mixed)
    expect(mixed.failures.map((f: any) => f.id)).toEqual([
      'objects[2]',
      stixId('indicator', 3, SALT),
    ])
  })

  it('T-080 T-084 GET status returns the same complete resource, every time', async () => {
    const a = await hub.request(statusPath(mixed.id), { token })
    expect(a.status).toBe(200)
    expect(a.headers.get('content-type')).toBe(TAXII)
    expect(a.json).toEqual(mixed)
    expectInvariants(a.json)
    const b = await hub.request(statusPath(mixed.id), { token })
    expect(b.text).toBe(a.text)
    expect(a.headers.get('x-taxii-date-added-first')).toBeNull()
  })

  it('T-007 the status URL works without trailing slash (as taxii2-client builds it)', async () => {
    const res = await hub.request(`/hub/status/${mixed.id}`, { token })
    expect(res.status).toBe(200)
    expect(res.json.id).toBe(mixed.id)
  })

  it('T-051 another token of the same sub may read the status', async () => {
    const refreshed = await hub.token({ sub: 'lab-a', read: ['distillation-indicators'] })
    expect((await hub.request(statusPath(mixed.id), { token: refreshed })).status).toBe(200)
    const writeOnly = await hub.token({ sub: 'lab-a' })
    expect((await hub.request(statusPath(mixed.id), { token: writeOnly })).status).toBe(200)
  })

  it('T-051 T-082 another principal gets the 404 of an unknown status', async () => {
    const other = await hub.token({ sub: 'lab-b', read: ['*'], write: ['*'], admin: ['*'] })
    const hidden = await hub.request(statusPath(mixed.id), { token: other })
    const unknown = await hub.request(statusPath(randomUUID()), { token: other })
    expectError(hidden, 404, 'TAXII_ERR_STATUS_NOT_FOUND')
    expect(sansErrorId(hidden.json)).toEqual(sansErrorId(unknown.json))
  })

  it('T-082 unknown, malformed and other-root status ids are 404', async () => {
    expectError(await hub.request(statusPath(randomUUID()), { token }), 404)
    for (const bad of ['not-a-status', '1234', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ']) {
      expectError(await hub.request(statusPath(bad), { token }), 404, 'TAXII_ERR_STATUS_NOT_FOUND')
    }
    await hub.server.deps.store.createApiRoot({
      name: 'elsewhere',
      title: 'Elsewhere',
      max_content_length: 1 << 20,
    })
    expectError(await hub.request(statusPath(mixed.id, 'elsewhere'), { token }), 404)
  })

  it('T-012 a status id of another UUID version (kept by import) is found', async () => {
    const root = (await hub.server.deps.store.getApiRoot('hub'))!
    const v1: StatusRecord = {
      ...(await hub.server.deps.store.getStatus(root.pk, mixed.id))!,
      id: 'c232ab00-9414-11ec-b3c8-9f6bdeced846',
    }
    await hub.server.deps.store.putStatus(v1, 3600)
    const res = await hub.request(statusPath(v1.id), { token })
    expect(res.status).toBe(200)
    expect(res.json.id).toBe(v1.id)
  })

  it('T-081 a status is kept answerable for 7 days after its request was processed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-status-'))
    try {
      const file = join(dir, 'export.jsonl')
      const before = Date.now()
      await operations.export(hub.server.deps, { file })
      const line = readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.includes(`"${mixed.id}"`))
      const { expires_at } = JSON.parse(line!) as { expires_at: string }
      const keptMs = Date.parse(expires_at) - Date.parse(mixed.request_timestamp)
      expect(keptMs).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000)
      expect(Date.parse(expires_at)).toBeLessThanOrEqual(before + 7 * 24 * 3600 * 1000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('T-012 a status id is found whatever the case of its hex digits', async () => {
    const res = await hub.request(statusPath(mixed.id.toUpperCase()), { token })
    expect(res.status).toBe(200)
    expect(res.json.id).toBe(mixed.id)
  })

  it('T-082 an expired status is 404', async () => {
    const root = (await hub.server.deps.store.getApiRoot('hub'))!
    const expired: StatusRecord = {
      ...(await hub.server.deps.store.getStatus(root.pk, mixed.id))!,
      id: randomUUID(),
    }
    await hub.server.deps.store.putStatus(expired, -1)
    expectError(await hub.request(statusPath(expired.id), { token }), 404)
  })

  it('T-051 a restored status is readable by anyone holding a scope in its API root', async () => {
    const root = (await hub.server.deps.store.getApiRoot('hub'))!
    const restored: StatusRecord = {
      id: randomUUID(),
      api_root_pk: root.pk,
      owner_sub: null,
      status: 'complete',
      request_timestamp: '2025-07-14T09:31:02.418233Z',
      total_count: 1,
      success_count: 1,
      failure_count: 0,
      pending_count: 0,
      successes: [{ id: stixId('indicator', 9, SALT), version: '2025-07-14T09:30:00.000Z' }],
      failures: [],
      pendings: [],
    }
    await hub.server.deps.store.putStatus(restored, 3600)
    const scoped = await hub.token({ sub: 'lab-c', write: ['distillation-indicators'] })
    const res = await hub.request(statusPath(restored.id), { token: scoped })
    expect(res.status).toBe(200)
    expectInvariants(res.json)
    expect(res.json.request_timestamp).toBe('2025-07-14T09:31:02.418233Z')
    const outsider = await hub.rawToken({ sub: 'lab-d', read: ['elsewhere/x'] })
    expectError(await hub.request(statusPath(restored.id), { token: outsider }), 404)
  })

  it('T-080 failures: 401, 405, 406', async () => {
    expectError(await hub.request(statusPath(mixed.id)), 401)
    expectError(await hub.request(statusPath(mixed.id), { token, method: 'DELETE' }), 405)
    expectError(
      await hub.request(statusPath(mixed.id), { token, headers: { accept: 'text/html' } }),
      406,
    )
  })

  it('T-051 a status stays tied to its API root even when its collection is elsewhere', async () => {
    await addCollection(hub, { alias: 'side', title: 'Side' }, 'elsewhere')
    const res = await hub.request('/elsewhere/collections/side/objects/', {
      token,
      body: { objects: [ind(stixId('indicator', 20, SALT))] },
    })
    expect(res.status).toBe(202)
    expect((await hub.request(statusPath(res.json.id, 'elsewhere'), { token })).status).toBe(200)
    expectError(await hub.request(statusPath(res.json.id, 'hub'), { token }), 404)
  })

  it('T-006 the status resource is served as raw UTF-8 JSON', async () => {
    const res = await raw(hub, statusPath(mixed.id), {
      headers: { accept: TAXII, authorization: `Bearer ${token}` },
    })
    expect(JSON.parse(res.text)).toEqual(mixed)
  })
})
