import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

  it('T-170 envelopes up to the configured size complete synchronously', async () => {
    const post = await hub.request(OBJECTS, {
      token,
      body: { objects: [indicator(9101), indicator(9102), indicator(9103)] },
    })
    expect(post.json).toMatchObject({ status: 'complete', success_count: 3 })
  })
})
