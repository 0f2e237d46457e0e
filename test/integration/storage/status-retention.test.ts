import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS, emptyStatus as status } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'

describe.each(DIALECTS)('status retention (%s)', (dialect) => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub(dialect)
  })
  afterAll(() => hub?.close())

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
