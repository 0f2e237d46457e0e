import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { indicator, startTestHub, type TestHub } from '../../helpers/hub.js'
import { addCollection } from './conformance.js'

const OBJECTS = '/hub/collections/distillation-indicators/objects/'
const LAB = 'identity--f4a0bc8f-63f2-45bd-9dbe-5b23b2db328a'
const OTHER = 'identity--9586c148-b0f3-483b-83f0-0d4864903898'

describe.each(DIALECTS)('versioning against stored versions (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let n = 500
  const send = async (...objects: Record<string, unknown>[]) =>
    (await hub.request(OBJECTS, { token, body: { objects } })).json as {
      success_count: number
      failures?: { id: string; version: string; message: string }[]
    }
  const at = (day: number) => `2025-08-${String(day).padStart(2, '0')}T00:00:00.000Z`
  const version = (base: Record<string, unknown>, day: number, extra = {}) => ({
    ...base,
    modified: at(day),
    ...extra,
  })
  const versions = async (id: string) =>
    (await hub.request(`${OBJECTS}${id}/versions/`, { token })).json.versions as string[]

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub?.close())

  it('S-062 refuses a version later than a stored revoked one, keeps older ones arriving late', async () => {
    const v1 = indicator(++n, { created_by_ref: LAB })
    expect((await send(v1, version(v1, 10, { revoked: true }))).success_count).toBe(2)
    const later = await send(version(v1, 20))
    expect(later.success_count).toBe(0)
    expect(later.failures![0]!.message).toMatch(/^S-062 revoked: /)
    // a version between the first and the revocation is history: stored (T-210)
    expect((await send(version(v1, 5))).success_count).toBe(1)
    expect((await versions(v1.id)).sort()).toEqual(['2025-07-14T09:30:00.000Z', at(5), at(10)])
  })

  it('S-063 refuses a new version by another producer, or with created_by_ref added or dropped', async () => {
    const mine = indicator(++n, { created_by_ref: LAB })
    expect((await send(mine)).success_count).toBe(1)
    const theirs = await send(version(mine, 3, { created_by_ref: OTHER }))
    expect(theirs.failures![0]!.message).toMatch(
      new RegExp(`^S-063 created_by_ref: stored versions are by ${LAB}, this one by ${OTHER}`),
    )
    const anonymous: Record<string, unknown> = version(mine, 4)
    delete anonymous.created_by_ref
    expect((await send(anonymous)).failures![0]!.message).toMatch(/this one by no created_by_ref/)
    // the creator versions it; a repeat inside the envelope shares the verdict of the first
    const next = version(mine, 6)
    expect((await send(next, next)).success_count).toBe(2)
    const bad = version(mine, 7, { created_by_ref: OTHER })
    const both = await send(bad, bad)
    expect(both.success_count).toBe(0)
    expect(both.failures!.map((f) => f.message.slice(0, 5))).toEqual(['S-063', 'S-063'])
    expect((await versions(mine.id)).sort()).toEqual(['2025-07-14T09:30:00.000Z', at(6)])
  })

  it('S-064 an unchanged object republished with another created_by_ref changes nothing: the version stays as its creator published it', async () => {
    const mine = indicator(++n, { created_by_ref: LAB })
    expect((await send(mine)).success_count).toBe(1)
    const altered = { ...mine, created_by_ref: OTHER }
    // the same id and version are stored already: a success that writes nothing (T-137)
    expect((await send(altered)).success_count).toBe(1)
    const stored = await hub.request(`${OBJECTS}${mine.id}/`, { token })
    expect(stored.json.objects).toEqual([mine])
    // republished with changes, it must have an id of its own (S-063)
    expect((await send(version(altered, 8))).failures![0]!.message).toMatch(/^S-063 /)
  })

  it('T-137 a stored version re-posted is still a success, whatever follows it', async () => {
    const v1 = indicator(++n, { created_by_ref: LAB })
    const revoked = version(v1, 9, { revoked: true })
    expect((await send(v1, revoked)).success_count).toBe(2)
    expect((await send(v1, revoked)).success_count).toBe(2)
  })

  it('T-049 S-062 S-063 a poster who may not read the collection is not told who made the stored versions or that one revoked the object', async () => {
    const inbox = await addCollection(hub, {
      alias: `inbox-${dialect}`,
      title: 'Inbox',
      can_read: false,
    })
    const path = `/hub/collections/${inbox.id}/objects/`
    const post = async (t: string, ...objects: Record<string, unknown>[]) =>
      (await hub.request(path, { token: t, body: { objects } })).json.failures as {
        message: string
      }[]
    const submitter = await hub.token({ sub: 'lab-b', read: ['*'], write: ['*'] })
    const mine = indicator(++n, { created_by_ref: LAB })
    const revokedOne = indicator(++n, { created_by_ref: LAB })
    expect(
      await post(submitter, mine, revokedOne, version(revokedOne, 2, { revoked: true })),
    ).toBeUndefined()
    const concealed =
      'S-062 S-063 the collection holds versions of this object that this one may not follow (only its creator versions an object, and nothing follows a revocation); publish a new object instead'
    const failures = await post(
      submitter,
      version(mine, 3, { created_by_ref: OTHER }),
      version(revokedOne, 4),
    )
    expect(failures.map((f) => f.message)).toEqual([concealed, concealed])
    expect(JSON.stringify(failures)).not.toContain(LAB)
  })
})
