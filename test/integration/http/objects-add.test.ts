import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionRecord } from '../../../src/storage/store.js'
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

const SALT = 0xad
const MAX_OBJECTS = 6
const COLLECTION = 'distillation-indicators'
const OBJECTS = objectsPath(COLLECTION)
const MANIFEST = `/hub/collections/${COLLECTION}/manifest/`

const LAB = stixId('identity', 900, SALT)
const OTHER_LAB = stixId('identity', 901, SALT)
const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d'

describe.each(DIALECTS)('POST objects (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let n = 0
  const next = (type = 'indicator') => stixId(type, ++n, SALT)
  const send = (body: unknown, path = OBJECTS, t = token) => hub.request(path, { token: t, body })

  async function manifest(query = 'match[version]=all&match[spec_version]=2.0,2.1&limit=1000') {
    const res = await hub.request(`${MANIFEST}?${query}`, { token })
    return (res.json.objects ?? []) as { id: string; date_added: string; version: string }[]
  }

  beforeAll(async () => {
    hub = await startTestHub(dialect, { HYDRAWATCH_MAX_ENVELOPE_OBJECTS: String(MAX_OBJECTS) })
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  describe('T-161 T-162 success', () => {
    it('T-161 T-162 T-170 answers 202 with a complete status resource', async () => {
      const a = next()
      const b = next()
      const res = await send({ objects: [ind(a), ind(b, '2025-07-15T00:00:00.000Z')] })
      expect(res.status).toBe(202)
      expect(res.headers.get('content-type')).toBe(TAXII)
      expect(res.json).toEqual({
        id: expect.any(String),
        status: 'complete',
        request_timestamp: expect.stringMatching(TAXII_TIMESTAMP),
        total_count: 2,
        success_count: 2,
        successes: [
          { id: a, version: '2025-07-14T09:30:00.000Z' },
          { id: b, version: '2025-07-15T00:00:00.000Z' },
        ],
        failure_count: 0,
        pending_count: 0,
      })
    })

    it('T-007 a POST to the path without trailing slash is the same POST', async () => {
      const id = next()
      const res = await send({ objects: [ind(id)] }, OBJECTS.slice(0, -1))
      expect(res.status).toBe(202)
      expect(res.json.successes).toEqual([{ id, version: '2025-07-14T09:30:00.000Z' }])
    })

    it('T-169 an object counted as a success is readable at once', async () => {
      const id = next()
      await post(hub, token, COLLECTION, [ind(id)])
      const res = await hub.request(`${OBJECTS}${id}/`, { token })
      expect(res.json.objects.map((o: any) => o.id)).toEqual([id])
    })

    it('T-166 members of the envelope other than objects are ignored', async () => {
      const id = next()
      const res = await send({ more: true, next: 'abc', x_acme_batch: 7, objects: [ind(id)] })
      expect(res.status).toBe(202)
      expect(res.json.success_count).toBe(1)
    })

    it('T-086 T-121 the version of an SCO success is its date_added', async () => {
      const id = next('ipv4-addr')
      const status = await post(hub, token, COLLECTION, [
        { type: 'ipv4-addr', spec_version: '2.1', id, value: '192.0.2.1' },
      ])
      const [record] = await manifest(`match[id]=${id}`)
      expect(status.successes).toEqual([{ id, version: record!.date_added }])
      expect(record!.version).toBe(record!.date_added)
    })

    it('T-086 status-details use modified, else created', async () => {
      const id = next('marking-definition')
      const status = await post(hub, token, COLLECTION, [
        {
          type: 'marking-definition',
          spec_version: '2.1',
          id,
          created: '2025-07-01T00:00:00.000Z',
          definition_type: 'statement',
          definition: { statement: 'x' },
        },
      ])
      expect(status.successes).toEqual([{ id, version: '2025-07-01T00:00:00.000Z' }])
    })

    it('S-154 an object extended by an extension-definition the hub does not hold is stored and served unchanged', async () => {
      const id = next()
      const extended = ind(id, undefined, {
        extensions: {
          'extension-definition--3b0e35b9-3e4c-4d6a-9a2f-6f0c3a1d2e4b': {
            extension_type: 'property-extension',
            harness: { family: 'templated-prompts', rate: 1200 },
          },
        },
      })
      const text = JSON.stringify({ objects: [extended] })
      const status = await send(text)
      expect(status.json.successes).toEqual([{ id, version: extended.modified }])
      const res = await hub.request(`${OBJECTS}${id}/`, { token })
      expect(res.text).toBe(`{"more":false,"objects":[${JSON.stringify(extended)}]}`)
    })

    it('T-014 S-041 STIX 2.0 content is stored and served as 2.0', async () => {
      const id = next()
      await post(hub, token, COLLECTION, [ind20(id)])
      const res = await hub.request(`${OBJECTS}${id}/?match[spec_version]=2.0`, { token })
      expect(res.json.objects[0]).toEqual(ind20(id))
    })

    it('T-161 a post is read and checked on the hub’s check thread; one it cannot read, here', async () => {
      const checks = hub.server.deps.checks!
      const before = checks.checked
      const res = await send({ objects: [ind(next())] })
      expect(res.json.success_count).toBe(1)
      expect(checks.checked).toBe(before + 1)
      // the thread reads no body that starts with a byte order mark
      const marked = await send(`\uFEFF${JSON.stringify({ objects: [ind(next())] })}`)
      expect(marked.json.success_count).toBe(1)
      expect(checks.checked).toBe(before + 1)
    })
  })

  describe('T-167 P-9 envelope-level problems store nothing', () => {
    async function expectNothingStored(body: string, status: number, code: string) {
      const before = await manifest()
      const res = await send(body)
      expectError(res, status, code)
      expect(await manifest()).toEqual(before)
    }

    it.each([
      '{',
      '{"objects":[',
      `{"objects":[${JSON.stringify(ind(stixId('indicator', 500, SALT)))}]`,
      "{'objects':[]}",
      '{"objects":[{"type":"indicator",}]}',
      '',
      'objects',
    ])('T-167 malformed JSON %j is 400 TAXII_ERR_MALFORMED_JSON', async (body) => {
      await expectNothingStored(body, 400, 'TAXII_ERR_MALFORMED_JSON')
    })

    it.each([
      ['a JSON array', '[]'],
      ['a string', '"objects"'],
      ['a number', '42'],
      ['null', 'null'],
      ['an object without objects', '{"more":false}'],
      ['a bare STIX object', JSON.stringify(ind(stixId('indicator', 501, SALT)))],
      ['objects not an array', '{"objects":{"type":"indicator"}}'],
      ['objects empty', '{"objects":[]}'],
      [
        'an element that is not an object',
        `{"objects":[${JSON.stringify(ind(stixId('indicator', 503, SALT)))},"x"]}`,
      ],
      ['a null element', '{"objects":[null]}'],
      [
        'objects named twice',
        `{"objects":[],"objects":[${JSON.stringify(ind(stixId('indicator', 504, SALT)))}]}`,
      ],
    ])('T-167 well-formed JSON that is not an envelope (%s) is 422', async (_what, body) => {
      await expectNothingStored(body, 422, 'TAXII_ERR_INVALID_ENVELOPE')
    })

    it('T-167 more elements than the configured maximum is 422', async () => {
      const objects = Array.from({ length: MAX_OBJECTS + 1 }, (_, i) =>
        ind(stixId('indicator', 600 + i, SALT)),
      )
      await expectNothingStored(JSON.stringify({ objects }), 422, 'TAXII_ERR_INVALID_ENVELOPE')
      const exact = await send({ objects: objects.slice(0, MAX_OBJECTS) })
      expect(exact.json.success_count).toBe(MAX_OBJECTS)
    })

    it('T-166 a bundle posted as the body reads as an envelope whose other members are ignored', async () => {
      const id = stixId('indicator', 505, SALT)
      const res = await send({
        type: 'bundle',
        id: 'bundle--00000000-0000-4000-8000-000000000002',
        objects: [ind(id)],
      })
      expect(res.status).toBe(202)
      expect(res.json.successes).toEqual([{ id, version: '2025-07-14T09:30:00.000Z' }])
    })
  })

  describe('T-168 object-level problems', () => {
    it('T-168 T-087 each bad object is a failure naming the rule; the others proceed', async () => {
      const good = next()
      const bundleId = 'bundle--00000000-0000-4000-8000-0000000000aa'
      const wrongSpec = next()
      const badTime = next()
      const reversed = next()
      const objects = [
        ind(good),
        { type: 'bundle', id: bundleId, objects: [] },
        ind(wrongSpec, undefined, { spec_version: '2.2' }),
        ind(badTime, '2025-07-14 09:30:00'),
        ind(reversed, '2025-07-13T00:00:00.000Z'),
        { type: 'indicator', spec_version: '2.1' },
      ]
      const res = await send({ objects })
      expect(res.status).toBe(202)
      expect(res.json).toMatchObject({
        status: 'complete',
        total_count: 6,
        success_count: 1,
        failure_count: 5,
        pending_count: 0,
        successes: [{ id: good, version: '2025-07-14T09:30:00.000Z' }],
      })
      const failures = res.json.failures
      expect(failures.map((f: any) => f.id)).toEqual([
        bundleId,
        wrongSpec,
        badTime,
        reversed,
        'objects[5]',
      ])
      expect(failures[0].message).toMatch(/S-123/)
      expect(failures[1].message).toMatch(/S-041/)
      expect(failures[2].message).toMatch(/S-0\d\d/)
      expect(failures[3].message).toMatch(/S-045/)
      expect(failures[4]).toMatchObject({ id: 'objects[5]', version: 'unknown' })
      for (const f of failures) expect(typeof f.message).toBe('string')
      const stored = (await manifest()).map((r) => r.id)
      expect(stored).toContain(good)
      for (const id of [wrongSpec, badTime, reversed]) expect(stored).not.toContain(id)
    })

    it('S-019 T-168 an integer written with a fraction fails alone; the text is served as posted otherwise', async () => {
      const fractional = next()
      const plain = next()
      const located = next('location')
      // raw text: JSON.stringify would write 50.0 as 50
      const text = (o: object, extra: string) => `${JSON.stringify(o).slice(0, -1)},${extra}}`
      const location = {
        type: 'location',
        spec_version: '2.1',
        id: located,
        created: '2025-07-14T09:30:00.000Z',
        modified: '2025-07-14T09:30:00.000Z',
      }
      const res = await send(
        `{"objects":[${text(ind(fractional), '"confidence":50.0')},${text(ind(plain), '"confidence":50')},${text(location, '"latitude":45.0,"longitude":7.0')}]}`,
      )
      expect(res.json).toMatchObject({ success_count: 2, failure_count: 1 })
      expect(res.json.failures).toEqual([
        {
          id: fractional,
          version: '2025-07-14T09:30:00.000Z',
          message:
            'S-019 confidence: an integer is written without a fraction or an exponent, not 50.0',
        },
      ])
      const served = await hub.request(`${OBJECTS}${located}/`, { token })
      expect(served.text).toContain('"latitude":45.0,"longitude":7.0')
    })

    it('T-087 an id that is not a string is reported by position', async () => {
      const res = await send({ objects: [ind(next()), { ...ind(next()), id: 17 }] })
      expect(res.json.failures).toEqual([
        { id: 'objects[1]', version: '2025-07-14T09:30:00.000Z', message: expect.any(String) },
      ])
    })

    it('T-168 T-084 an id, version or spec_version holding U+0000 is that object failing, in a status that reads back', async () => {
      const good = ind(next())
      const res = await send({
        objects: [
          { ...ind(next()), id: 'indicator--\u0000' },
          { ...ind(next()), modified: '2025-07-14T09:30:00.000\u0000Z' },
          { ...ind(next()), spec_version: '2.\u0000' },
          good,
        ],
      })
      expect(res.status).toBe(202)
      expect(res.json).toMatchObject({ success_count: 1, failure_count: 3 })
      expect(res.json.failures[0].id).toBe('indicator--\u0000')
      expect(res.json.failures[1].version).toBe('2025-07-14T09:30:00.000\u0000Z')
      const status = await hub.request(`/hub/status/${res.json.id}/`, { token })
      expect(status.json).toEqual(res.json)
    })

    it('T-168 an object whose id does not match its type fails', async () => {
      const res = await send({ objects: [ind(stixId('malware', 700, SALT))] })
      expect(res.json.failure_count).toBe(1)
      expect(res.json.failures[0].message).toMatch(/S-030/)
    })
  })

  describe('T-137 T-138 T-164 duplicates', () => {
    it('T-137 T-164 re-posting a stored version succeeds and changes nothing', async () => {
      const id = next()
      await post(hub, token, COLLECTION, [ind(id)])
      const before = await manifest(`match[id]=${id}&match[version]=all`)
      const again = await post(hub, token, COLLECTION, [ind(id)])
      expect(again).toMatchObject({ success_count: 1, failure_count: 0 })
      expect(again.successes).toEqual([{ id, version: '2025-07-14T09:30:00.000Z' }])
      expect(await manifest(`match[id]=${id}&match[version]=all`)).toEqual(before)
    })

    it('T-137 T-138 S-061 another representation of a stored version keeps the first one', async () => {
      const id = next()
      const first = JSON.stringify(ind(id, undefined, { description: 'first' }))
      await send(`{"objects":[${first}]}`)
      const before = await manifest(`match[id]=${id}&match[version]=all`)
      const second = await send({ objects: [ind(id, undefined, { description: 'second' })] })
      expect(second.json).toMatchObject({ success_count: 1, failure_count: 0 })
      const res = await hub.request(`${OBJECTS}${id}/`, { token })
      expect(res.text).toBe(`{"more":false,"objects":[${first}]}`)
      expect(await manifest(`match[id]=${id}&match[version]=all`)).toEqual(before)
    })

    it('T-137 the version is compared as an instant (.000Z = Z = .000000Z)', async () => {
      const id = next()
      await post(hub, token, COLLECTION, [ind(id, '2025-07-14T09:30:00.000Z')])
      const again = await post(hub, token, COLLECTION, [ind(id, '2025-07-14T09:30:00.000000Z')])
      expect(again.successes).toEqual([{ id, version: '2025-07-14T09:30:00.000Z' }])
      expect(await manifest(`match[id]=${id}&match[version]=all`)).toHaveLength(1)
    })

    it('T-137 a duplicate is recognised before validation', async () => {
      const id = next()
      await post(hub, token, COLLECTION, [ind(id)])
      // the same id and version with content that would fail validation on its own
      const broken = { ...ind(id), created: '2025-07-20T00:00:00.000Z' }
      const res = await post(hub, token, COLLECTION, [broken])
      expect(res).toMatchObject({ success_count: 1, failure_count: 0 })
    })

    it('T-137 an SCO without a version matches any stored version of its id', async () => {
      const id = next('ipv4-addr')
      const sco = { type: 'ipv4-addr', spec_version: '2.1', id, value: '192.0.2.55' }
      const first = await post(hub, token, COLLECTION, [sco])
      const second = await post(hub, token, COLLECTION, [{ ...sco, value: '192.0.2.56' }])
      expect(second.successes).toEqual(first.successes)
      expect(await manifest(`match[id]=${id}&match[version]=all`)).toHaveLength(1)
    })

    it('T-137 the same version twice in one envelope is stored once, both succeed', async () => {
      const id = next()
      const res = await post(hub, token, COLLECTION, [ind(id), ind(id)])
      expect(res).toMatchObject({ total_count: 2, success_count: 2 })
      expect(await manifest(`match[id]=${id}&match[version]=all`)).toHaveLength(1)
    })

    it('T-137 a deleted version is stored again with a new date_added', async () => {
      const id = next()
      await post(hub, token, COLLECTION, [ind(id)])
      const [before] = await manifest(`match[id]=${id}`)
      const del = await hub.request(`${OBJECTS}${id}/`, { token, method: 'DELETE' })
      expect(del.status).toBe(200)
      await post(hub, token, COLLECTION, [ind(id)])
      const [after] = await manifest(`match[id]=${id}`)
      expect(after!.date_added > before!.date_added).toBe(true)
    })

    it('T-139 the same version in two collections gets an independent date_added', async () => {
      const other = await addCollection(hub, { alias: 'second-inbox', title: 'Second inbox' })
      const id = next()
      await post(hub, token, COLLECTION, [ind(id)])
      await post(hub, token, COLLECTION, [ind(next())])
      await post(hub, token, 'second-inbox', [ind(id)])
      const [a] = await manifest(`match[id]=${id}`)
      const b = await hub.request(`/hub/collections/${other.id}/manifest/`, { token })
      expect(b.json.objects[0].date_added > a!.date_added).toBe(true)
    })
  })

  describe('T-134 strictly increasing date_added', () => {
    it('T-134 objects of one envelope get distinct, increasing date_added in envelope order', async () => {
      const objects = Array.from({ length: MAX_OBJECTS }, () => ind(next()))
      await post(hub, token, COLLECTION, objects)
      const records = await manifest()
      const mine = objects.map((o) => records.find((r) => r.id === o.id)!.date_added)
      for (let i = 1; i < mine.length; i++) expect(mine[i]! > mine[i - 1]!).toBe(true)
    })

    it('T-134 concurrent writers never share a date_added and paging order is commit order', async () => {
      const writers = Array.from({ length: 8 }, () =>
        post(hub, token, COLLECTION, [ind(next()), ind(next()), ind(next())]),
      )
      await Promise.all(writers)
      const records = await manifest()
      const dates = records.map((r) => r.date_added)
      expect(new Set(dates).size).toBe(dates.length)
      for (let i = 1; i < dates.length; i++) expect(dates[i]! > dates[i - 1]!).toBe(true)
    })
  })

  describe('T-160 T-163 failures', () => {
    it('T-160 T-163 401, 403, 404, 406, 415', async () => {
      const body = { objects: [ind(next())] }
      expectError(await hub.request(OBJECTS, { body }), 401)
      expectError(await send(body, OBJECTS, await hub.token({ read: ['*'] })), 403)
      expectError(await send(body, objectsPath('nope')), 404)
      expectError(
        await hub.request(OBJECTS, { token, body, headers: { accept: 'text/plain' } }),
        406,
      )
      expectError(
        await hub.request(OBJECTS, {
          token,
          body,
          headers: { 'content-type': 'application/json' },
        }),
        415,
      )
    })
  })

  describe('T-171 attribution', () => {
    let attributed: CollectionRecord

    beforeAll(async () => {
      attributed = await addCollection(hub, {
        alias: 'attributed',
        title: 'Attributed',
        require_attribution: true,
      })
    })

    it('T-171 a token bound to identities may publish only in their name', async () => {
      const lab = await hub.token({ write: ['*'], identities: [LAB] })
      const mine = next()
      const forged = next()
      const unsigned = next()
      const res = await send(
        {
          objects: [
            ind(mine, undefined, { created_by_ref: LAB }),
            ind(forged, undefined, { created_by_ref: OTHER_LAB }),
            ind(unsigned),
          ],
        },
        OBJECTS,
        lab,
      )
      expect(res.status).toBe(202)
      expect(res.json.successes.map((s: any) => s.id)).toEqual([mine, unsigned])
      expect(res.json.failures.map((f: any) => f.id)).toEqual([forged])
      expect(res.json.failures[0].message).toMatch(/created_by_ref/)
    })

    it('T-171 a token without bound identities skips the check', async () => {
      const res = await post(hub, token, COLLECTION, [
        ind(next(), undefined, { created_by_ref: OTHER_LAB }),
      ])
      expect(res.success_count).toBe(1)
    })

    it('T-171 require_attribution: every SDO and SRO needs created_by_ref; SCOs do not', async () => {
      const signed = next()
      const bare = next()
      const rel = next('relationship')
      const sco = next('ipv4-addr')
      const res = await send(
        {
          objects: [
            ind(signed, undefined, { created_by_ref: LAB }),
            ind(bare),
            {
              type: 'relationship',
              spec_version: '2.1',
              id: rel,
              created: '2025-07-14T09:30:00.000Z',
              modified: '2025-07-14T09:30:00.000Z',
              relationship_type: 'indicates',
              source_ref: signed,
              target_ref: stixId('intrusion-set', 1, SALT),
            },
            { type: 'ipv4-addr', spec_version: '2.1', id: sco, value: '192.0.2.9' },
          ],
        },
        objectsPath(attributed.id),
      )
      expect(res.json.successes.map((s: any) => s.id)).toEqual([signed, sco])
      expect(res.json.failures.map((f: any) => f.id)).toEqual([bare, rel])
      for (const f of res.json.failures) expect(f.message).toMatch(/created_by_ref/)
    })

    it('T-171 the TLP extension-definition and duplicates are exempt', async () => {
      const lab = await hub.token({ write: ['*'], read: ['*'], identities: [LAB] })
      const extension = {
        type: 'extension-definition',
        spec_version: '2.1',
        id: TLP2_EXTENSION,
        created_by_ref: 'identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01',
        created: '2022-10-01T00:00:00.000Z',
        modified: '2022-10-01T00:00:00.000Z',
        name: 'TLP 2.0',
        description: 'This defines TLP 2.0 as a STIX extension',
        schema:
          'https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0',
        version: '1.0.0',
        extension_types: ['property-extension'],
      }
      const res = await send({ objects: [extension] }, objectsPath(attributed.id), lab)
      expect(res.json).toMatchObject({ success_count: 1, failure_count: 0 })
      // a version already stored by an unbound writer is a duplicate for anyone
      const id = next()
      await post(hub, token, COLLECTION, [ind(id, undefined, { created_by_ref: OTHER_LAB })])
      const dup = await send(
        { objects: [ind(id, undefined, { created_by_ref: OTHER_LAB })] },
        OBJECTS,
        lab,
      )
      expect(dup.json).toMatchObject({ success_count: 1, failure_count: 0 })
    })
  })
})
