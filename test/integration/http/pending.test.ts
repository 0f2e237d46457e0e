import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ENVELOPE_LEASE_SECONDS,
  resumeAbandonedEnvelopes,
  STATUS_RETENTION_SECONDS,
} from '../../../src/services/objects.js'
import type { StatusRecord } from '../../../src/storage/store.js'
import { DIALECTS } from '../../helpers/db.js'
import { indicator, startTestHub, type TestHub } from '../../helpers/hub.js'

const OBJECTS = '/hub/collections/distillation-indicators/objects/'

describe.each(DIALECTS)('large envelopes (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  beforeAll(async () => {
    hub = await startTestHub(dialect, { HYDRAWATCH_SYNC_ENVELOPE_OBJECTS: '3' })
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  it('T-170 T-085 answers pending, lists every object in pendings, then completes', async () => {
    const objects = [1, 2, 3, 4].map((n) => indicator(9000 + n))
    objects.push({ ...indicator(9005), valid_from: 'yesterday' })
    const post = await hub.request(OBJECTS, { token, body: { objects } })
    expect(post.status).toBe(202)
    expect(post.json).toMatchObject({
      status: 'pending',
      total_count: 5,
      success_count: 0,
      failure_count: 0,
      pending_count: 5,
    })
    expect(post.json.pendings.map((p: any) => p.id)).toEqual(objects.map((o) => o.id))
    const path = `/hub/status/${post.json.id}/`
    await expect
      .poll(async () => (await hub.request(path, { token })).json.status, { timeout: 20_000 })
      .toBe('complete')
    const done = (await hub.request(path, { token })).json
    expect(done).toMatchObject({
      total_count: 5,
      success_count: 4,
      failure_count: 1,
      pending_count: 0,
    })
    expect(done.pendings).toBeUndefined()
    expect(done.failures[0].id).toBe(objects[4]!.id)
    const read = await hub.request(`${OBJECTS}?match[id]=${objects[0]!.id}`, { token })
    expect(read.json.objects).toHaveLength(1)
  })

  it('T-170 completes an envelope it failed to store with every object named as a failure', async () => {
    const failing = vi
      .spyOn(hub.server.deps.store, 'addObjects')
      .mockRejectedValue(new Error('the database went away'))
    try {
      const objects = [1, 2, 3, 4].map((n) => indicator(9200 + n))
      const post = await hub.request(OBJECTS, { token, body: { objects } })
      expect(post.json.status).toBe('pending')
      const path = `/hub/status/${post.json.id}/`
      await expect
        .poll(async () => (await hub.request(path, { token })).json.status, { timeout: 20_000 })
        .toBe('complete')
      const done = (await hub.request(path, { token })).json
      expect(done).toMatchObject({ success_count: 0, failure_count: 4, pending_count: 0 })
      expect(done.failures).toEqual(
        objects.map((o) => ({
          id: o.id,
          version: o.modified,
          message: 'not stored: the hub failed; retry',
        })),
      )
    } finally {
      failing.mockRestore()
    }
  })

  it('T-170 envelopes up to the configured size complete synchronously', async () => {
    const post = await hub.request(OBJECTS, {
      token,
      body: { objects: [indicator(9101), indicator(9102), indicator(9103)] },
    })
    expect(post.json).toMatchObject({ status: 'complete', success_count: 3 })
  })

  /**
   * What a hub killed between answering `pending` and storing the envelope leaves behind: the
   * pending status and its envelope, under a lease that runs out.
   */
  async function abandon(objects: unknown[], leaseSeconds: number) {
    const { store } = hub.server.deps
    const status: StatusRecord = {
      id: randomUUID(),
      api_root_pk: hub.collection.api_root_pk,
      owner_sub: 'acme',
      status: 'pending',
      request_timestamp: '2026-11-29T10:00:00.000000Z',
      total_count: objects.length,
      success_count: 0,
      failure_count: 0,
      pending_count: objects.length,
      successes: [],
      failures: [],
      pendings: objects.map((o: any) => ({ id: o.id, version: o.modified })),
    }
    const envelope = {
      collection_pk: hub.collection.pk,
      sub: 'acme',
      identities: ['identity--b0b0b0b0-0000-4000-8000-000000000001'],
      body: JSON.stringify({ objects }),
    }
    await store.putPendingStatus(status, STATUS_RETENTION_SECONDS, envelope, leaseSeconds)
    return status.id
  }

  it('T-170 an envelope a stopped hub accepted as pending is stored by the next one, once', async () => {
    const mine = 'identity--b0b0b0b0-0000-4000-8000-000000000001'
    const objects = [
      indicator(9201, { created_by_ref: mine }),
      indicator(9202, { created_by_ref: mine }),
      // T-171: checked against the identities of the token that posted it
      indicator(9203, { created_by_ref: 'identity--c0c0c0c0-0000-4000-8000-000000000002' }),
    ]
    const statusId = await abandon(objects, -1)
    const live = await abandon([indicator(9204)], ENVELOPE_LEASE_SECONDS)
    const path = (id: string) => `/hub/status/${id}/`
    expect((await hub.request(path(statusId), { token })).json.status).toBe('pending')

    // two hubs looking at once: each abandoned envelope is stored by one of them
    const resumed = await Promise.all([
      resumeAbandonedEnvelopes(hub.server.deps),
      resumeAbandonedEnvelopes(hub.server.deps),
    ])
    expect(resumed[0] + resumed[1]).toBe(1)
    const done = (await hub.request(path(statusId), { token })).json
    expect(done).toMatchObject({
      status: 'complete',
      request_timestamp: '2026-11-29T10:00:00.000000Z',
      total_count: 3,
      success_count: 2,
      failure_count: 1,
      pending_count: 0,
    })
    expect(done.failures[0]).toMatchObject({ id: objects[2]!.id })
    const read = await hub.request(`${OBJECTS}?match[id]=${objects[0]!.id},${objects[1]!.id}`, {
      token,
    })
    expect(read.json.objects).toHaveLength(2)
    expect(await resumeAbandonedEnvelopes(hub.server.deps)).toBe(0)
    // an envelope whose hub still holds its lease is left to that hub
    expect((await hub.request(path(live), { token })).json.status).toBe('pending')
  })
})
