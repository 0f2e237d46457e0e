import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StatusRecord } from '../../../src/storage/store.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'

describe.each(DIALECTS)('status retention (%s)', (dialect) => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub(dialect)
  })
  afterAll(() => hub?.close())

  const status = (id: string, apiRootPk: string): StatusRecord => ({
    id,
    api_root_pk: apiRootPk,
    owner_sub: 'acme',
    status: 'complete',
    request_timestamp: '2026-01-01T00:00:00.000000Z',
    total_count: 0,
    success_count: 0,
    failure_count: 0,
    pending_count: 0,
    successes: [],
    failures: [],
    pendings: [],
  })

  it('T-082 deletes statuses past their retention and keeps the others', async () => {
    const { store } = hub.server.deps
    const root = hub.collection.api_root_pk
    const expired = '6d2c9f0e-0e8a-4a52-9d43-0a7f3f2b1c01'
    const live = '6d2c9f0e-0e8a-4a52-9d43-0a7f3f2b1c02'
    await store.putStatus(status(expired, root), -1)
    await store.putStatus(status(live, root), 3600)
    expect(await store.getStatus(root, expired)).toBeUndefined()
    expect(await store.purgeExpiredStatuses()).toBe(1)
    expect(await store.purgeExpiredStatuses()).toBe(0)
    expect(await store.getStatus(root, live)).toMatchObject({ id: live, status: 'complete' })
  })
})
