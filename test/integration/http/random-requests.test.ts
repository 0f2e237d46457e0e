import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { authorization, startTestHub, type AuthForm, type TestHub } from '../../helpers/hub.js'
import { addCollection, ind, objectsPath, sansErrorId, stixId, TAXII } from './conformance.js'

/**
 * Requests a partner's tooling or an attacker might send, drawn at random: every method on every
 * kind of path, filters with odd values, broken credentials, wrong media types, envelopes whose
 * objects break their properties in every way, and bodies cut short. Whatever is asked, the answer
 * is a TAXII response: never a 5xx, always the TAXII media type, and every error a whole error
 * resource. Sent again with narrower tokens, nothing is written past a read-only scope, and a
 * collection out of scope answers exactly as one that does not exist. Seeds are fixed, so a
 * failure replays.
 */

const SALT = 0x5e
const KNOWN = [1, 2, 3].map((n) => stixId('indicator', n, SALT))
const COLLECTION = 'distillation-indicators'
const OBJECTS = objectsPath(COLLECTION)

const odd = fc.constantFrom(
  '',
  ' ',
  '%00',
  '%ff',
  '%',
  '%zz',
  'é',
  '😀',
  '..',
  '0',
  '-1',
  '1e309',
  '9'.repeat(40),
  'first',
  'last',
  'all',
  'null',
  ',',
  'indicator,',
  'a'.repeat(3000),
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999Z',
  '2025-02-30T00:00:00Z',
  '2025-01-01T24:00:00Z',
  '2025-01-01T00:00:60Z',
  '2025-07-14T09:30:00.000Z',
  '2.0',
  '2.1',
)

/** A value of the wrong kind, as typed or percent-encoded. */
const oddValue = fc.oneof(odd, odd.map(encodeURIComponent))

/** A list as a filter takes it, its items drawn from `items`. */
const list = (items: fc.Arbitrary<string>) =>
  fc.array(items, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','))

const isoTime = fc
  .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString())

/** Each parameter with values it takes, or nearly takes, and values of the wrong kind. */
const parameter = fc.oneof(
  fc.tuple(fc.constant('added_after'), fc.oneof(isoTime, oddValue)),
  fc.tuple(
    fc.constant('limit'),
    fc.oneof(fc.integer({ min: -1, max: 2000 }).map(String), oddValue),
  ),
  fc.tuple(fc.constant('next'), fc.oneof(fc.base64String({ maxLength: 60 }), oddValue)),
  fc.tuple(fc.constant('match[id]'), fc.oneof(list(fc.constantFrom(...KNOWN)), oddValue)),
  fc.tuple(
    fc.constant('match[type]'),
    fc.oneof(list(fc.constantFrom('indicator', 'identity', 'x-lab-thing')), oddValue),
  ),
  fc.tuple(
    fc.constant('match[version]'),
    fc.oneof(list(fc.oneof(fc.constantFrom('first', 'last', 'all'), isoTime)), oddValue),
  ),
  fc.tuple(
    fc.constant('match[spec_version]'),
    fc.oneof(list(fc.constantFrom('2.1', '2.0', '2.2')), oddValue),
  ),
  fc.tuple(fc.constantFrom('match[foo]', 'match', 'match['), oddValue),
)

const query = fc
  .array(parameter, { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`))

const objectId = fc.oneof(fc.constantFrom(...KNOWN), odd.map(encodeURIComponent))

/** Where a request goes: mostly where its method does something, sometimes anywhere. */
const anyPath = fc.oneof(
  fc.constantFrom('/taxii2/', '/hub/', '/hub/collections/', `/hub/collections/${COLLECTION}/`),
  fc.constantFrom(`/hub/collections/${COLLECTION}/manifest/`, `/hub/collections/x/objects/`),
  objectId.map((id) => `${OBJECTS}${id}/`),
  objectId.map((id) => `${OBJECTS}${id}/versions/`),
  fc.uuid().map((id) => `/hub/status/${id}/`),
  odd.map((s) => `/${encodeURIComponent(s)}/collections/`),
)

const path = (method: string) =>
  fc.oneof(
    { weight: 3, arbitrary: anyPath },
    {
      weight: 3,
      arbitrary:
        method === 'DELETE'
          ? objectId.map((id) => `${OBJECTS}${id}/`)
          : method === 'GET' || method === 'HEAD'
            ? fc.constantFrom(OBJECTS, `/hub/collections/${COLLECTION}/manifest/`)
            : fc.constant(OBJECTS),
    },
  )

const timestamp = fc.oneof(odd, isoTime)

/** An indicator with some of its properties replaced by values of the wrong kind. */
const object = fc
  .record({
    id: fc.oneof(
      fc.constantFrom(...KNOWN),
      odd,
      fc.uuid().map((u) => `indicator--${u}`),
    ),
    type: fc.constantFrom('indicator', 'identity', 'x-lab-thing', 'Indicator', 'bundle', ''),
    spec_version: fc.constantFrom('2.1', '2.0', '2.2', undefined),
    modified: timestamp,
    created: timestamp,
    broken: fc.array(
      fc.tuple(
        fc.constantFrom('pattern', 'pattern_type', 'valid_from', 'name', 'created_by_ref'),
        fc.constantFrom<unknown>(null, 1, true, [], {}, '[', "[x:y = 'a'] AND", ''),
      ),
      { maxLength: 3 },
    ),
  })
  .map(({ id, type, spec_version, modified, created, broken }) => {
    const o: Record<string, unknown> = { ...ind(id, modified), type, created, spec_version }
    for (const [k, v] of broken) o[k] = v
    return o
  })

const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(object, { maxLength: 5 }).map((objects) => JSON.stringify({ objects })),
  },
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '"x"',
    '{"objects":{}}',
    '{"objects":[1]}',
    '{"more":true}',
  ),
  fc.tuple(fc.array(object, { minLength: 1, maxLength: 3 }), fc.nat()).map(([objects, cut]) => {
    const text = JSON.stringify({ objects })
    return text.slice(0, cut % text.length)
  }),
)

/** Mostly what a client sends, so that most requests reach the handler they aim at. */
const usual = <T>(common: T, ...others: T[]) =>
  fc.oneof(
    { weight: 3 * others.length, arbitrary: fc.constant(common) },
    fc.constantFrom(...others),
  )

type RandomRequest = typeof request extends fc.Arbitrary<infer R> ? R : never

const request = fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT').chain((method) =>
  fc.record({
    method: fc.constant(method),
    path: path(method),
    query,
    credential: usual<AuthForm | 'forged'>(
      'bearer',
      'token',
      'basic-password',
      'basic-username',
      'none',
      'forged',
    ),
    accept: usual<string | undefined>(
      TAXII,
      '*/*',
      'application/taxii+json',
      'application/json',
      'application/taxii+json;version=2.0',
      'text/html',
      undefined,
    ),
    contentType: usual(
      TAXII,
      'application/json',
      'text/plain',
      'application/taxii+json;version=2.0',
      'application/stix+json;version=2.1',
    ),
    body,
  }),
)

describe.each(DIALECTS)('random requests (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let readOnly: string
  let elsewhere: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    const seeded = await hub.request(OBJECTS, {
      token,
      body: { objects: KNOWN.map((id) => ind(id)) },
    })
    expect(seeded.status).toBe(202)
    readOnly = await hub.token({ read: ['*'] })
    await addCollection(hub, { alias: 'elsewhere' })
    elsewhere = await hub.token({ read: ['hub/elsewhere'], write: ['hub/elsewhere'] })
  })
  afterAll(() => hub.close())

  /** `r` sent with `authorization`, its response read whole. */
  async function send(r: RandomRequest, authorization: string | undefined) {
    const headers: Record<string, string> = {}
    if (authorization !== undefined) headers.authorization = authorization
    if (r.accept !== undefined) headers.accept = r.accept
    const sends = r.method === 'POST' || r.method === 'PUT'
    if (sends) headers['content-type'] = r.contentType
    // joined, not resolved: a path that starts with // would name another host
    const res = await fetch(`${hub.url.replace(/\/$/, '')}${r.path}${r.query}`, {
      method: r.method,
      headers,
      ...(sends && { body: r.body }),
    })
    const text = await res.text()
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      text,
      what: `${r.method} ${r.path}${r.query} -> ${res.status} ${text.slice(0, 300)}`,
    }
  }

  it('T-061 T-062 answers every request with a TAXII resource or a TAXII error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { status, type, text, what } = await send(
          r,
          r.credential === 'forged'
            ? `Bearer ${token.slice(0, -4)}AAAA`
            : authorization(token, r.credential),
        )
        expect(status, what).toBeLessThan(500)
        expect(type, what).toBe(TAXII)
        if (status >= 400 && r.method !== 'HEAD') {
          const error = JSON.parse(text) as Record<string, unknown>
          expect(error, what).toMatchObject({
            title: expect.any(String),
            description: expect.any(String),
            http_status: String(status),
            error_code: expect.any(String),
          })
        }
      }),
      { seed: 20261201, numRuns: 1000 },
    )
  })

  it('T-045 T-047 T-048 never lets a narrower token write, nor see a collection out of its scope', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (r, readOnlyToken) => {
        const { status, text, what } = await send(
          r,
          `Bearer ${readOnlyToken ? readOnly : elsewhere}`,
        )
        expect(status, what).toBeLessThan(500)
        if (readOnlyToken) {
          // read-only everywhere: no post is taken, no version deleted
          if (r.method === 'POST') expect(status, what).not.toBe(202)
          if (r.method === 'DELETE') expect(status, what).not.toBe(200)
          return
        }
        expect(text, what).not.toContain(COLLECTION)
        if (r.path.startsWith(`/hub/collections/${COLLECTION}/`)) {
          // as if it did not exist, whatever else is wrong with the request
          const nowhere = { ...r, path: r.path.replace(COLLECTION, 'no-such-collection') }
          const absent = await send(nowhere, `Bearer ${elsewhere}`)
          expect(status, what).toBe(404)
          expect(absent.status, absent.what).toBe(404)
          if (r.method !== 'HEAD') {
            expect(sansErrorId(JSON.parse(text)), what).toEqual(
              sansErrorId(JSON.parse(absent.text)),
            )
          }
        }
      }),
      { seed: 20261202, numRuns: 500 },
    )
  })
})
