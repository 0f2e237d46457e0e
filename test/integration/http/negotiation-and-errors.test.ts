import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionRecord } from '../../../src/storage/store.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import {
  addCollection,
  expectError,
  ind,
  objectsPath,
  post,
  raw,
  stixId,
  TAXII,
} from './conformance.js'

const SALT = 0x0e
const OBJ = stixId('indicator', 1, SALT)
const OBJECTS = objectsPath('distillation-indicators')
const OBJECT = `${OBJECTS}${OBJ}/`
const MANIFEST = OBJECTS.replace(/objects\/$/, 'manifest/')

describe.each(DIALECTS)('media types, negotiation and errors (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let statusId: string
  let tiny: CollectionRecord
  const TINY_MAX = 1024

  /** An envelope of exactly n bytes (padding in a custom property of the indicator). */
  function envelopeOfSize(n: number, id = stixId('indicator', 50, SALT)): string {
    const base = JSON.stringify({ objects: [ind(id, undefined, { x_pad: '' })] })
    const padded = base.replace('"x_pad":""', `"x_pad":"${'a'.repeat(n - base.length)}"`)
    expect(Buffer.byteLength(padded)).toBe(n)
    return padded
  }

  async function count(collection: CollectionRecord): Promise<number> {
    const page = await hub.server.deps.store.listManifest(
      {
        collection_pk: collection.pk,
        match_version: { all: true, first: false, last: false, exact: [] },
      },
      undefined,
      1000,
    )
    return page.rows.length
  }

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    statusId = (await post(hub, token, 'distillation-indicators', [ind(OBJ)])).id
    const store = hub.server.deps.store
    await store.createApiRoot({ name: 'tiny', title: 'Tiny', max_content_length: TINY_MAX })
    tiny = await addCollection(hub, { alias: 'small' }, 'tiny')
  })
  afterAll(() => hub.close())

  describe('T-021 Content-Type of every response', () => {
    it('T-021 is byte-exactly application/taxii+json;version=2.1 on every success', async () => {
      const responses = [
        await hub.request('/taxii2/'),
        await hub.request('/hub/', { token }),
        await hub.request(`/hub/status/${statusId}/`, { token }),
        await hub.request('/hub/collections/', { token }),
        await hub.request('/hub/collections/distillation-indicators/', { token }),
        await hub.request('/hub/collections/distillation-indicators/manifest/', { token }),
        await hub.request(OBJECTS, { token }),
        await hub.request(OBJECT, { token }),
        await hub.request(`${OBJECT}versions/`, { token }),
        await hub.request(OBJECTS, {
          token,
          body: { objects: [ind(stixId('indicator', 2, SALT))] },
        }),
        await hub.request(`${OBJECTS}?match[type]=nothing-here`, { token }),
      ]
      for (const res of responses) {
        expect(res.status).toBeLessThan(300)
        expect(res.headers.get('content-type')).toBe(TAXII)
      }
    })

    it('T-021 T-185 DELETE 200 carries the TAXII Content-Type and no body', async () => {
      const id = stixId('indicator', 3, SALT)
      await post(hub, token, 'distillation-indicators', [ind(id)])
      const res = await raw(hub, `${OBJECTS}${id}/`, {
        method: 'DELETE',
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(res.text).toBe('')
      expect(res.headers['content-length']).toBe('0')
    })

    it('T-021 T-055 T-057 T-058 every error carries the TAXII Content-Type and an error resource', async () => {
      const cases: [Promise<any>, number][] = [
        [hub.request(OBJECTS, { token: 'bad' }), 401],
        [hub.request(OBJECTS, { token: await hub.token({ write: ['*'] }) }), 403],
        [hub.request('/hub/collections/nope/', { token }), 404],
        [hub.request('/hub/nope/nope/nope/', { token }), 404],
        [hub.request('/hub/collections/', { token, method: 'PUT' }), 405],
        [hub.request(OBJECTS, { token, headers: { accept: 'text/html' } }), 406],
        [
          hub.request(OBJECTS, { token, body: '{', headers: { 'content-type': 'text/plain' } }),
          415,
        ],
        [hub.request(OBJECTS, { token, body: '{' }), 400],
        [hub.request(OBJECTS, { token, body: '[]' }), 422],
        [hub.request(`${OBJECTS}?limit=0`, { token }), 400],
      ]
      for (const [pending, status] of cases) expectError(await pending, status)
    })

    it('T-021 HEAD answers like GET without a body', async () => {
      const res = await raw(hub, OBJECTS, {
        method: 'HEAD',
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(res.headers['x-taxii-date-added-first']).toMatch(/Z$/)
      expect(res.text).toBe('')
    })

    it('T-021 T-062 an undecodable or overlong path is authenticated first, then a TAXII 404', async () => {
      const long = `/hub/collections/${'x'.repeat(400)}/objects/`
      for (const path of ['/hub/collections/%zz/objects/', '/%E0%A4%A/', long]) {
        const anonymous = await raw(hub, path, { headers: { accept: TAXII } })
        expect(anonymous.status, path).toBe(401)
        expect(anonymous.headers['content-type']).toBe(TAXII)
        expect(anonymous.headers['www-authenticate']).toContain('Bearer realm="taxii"')
        const res = await raw(hub, path, {
          headers: { accept: TAXII, authorization: `Bearer ${token}` },
        })
        expect(res.status, path).toBe(404)
        expect(res.headers['content-type']).toBe(TAXII)
        expect(JSON.parse(res.text)).toMatchObject({
          http_status: '404',
          error_id: expect.any(String),
        })
      }
    })
  })

  describe('T-023..T-026 P-2 Accept', () => {
    const served = [
      TAXII,
      'application/taxii+json',
      'Application/TAXII+JSON;Version=2.1',
      'application/taxii+json ; version=2.1',
      'application/taxii+json;version="2.1"',
      'application/taxii+json;version=2.1;q=0.5',
      'application/taxii+json;version=2.1;profile=whatever',
      'application/json, application/taxii+json;version=2.1',
      'text/html,application/xhtml+xml,*/*;q=0.8',
      '*/*',
      'application/*',
      '',
    ]
    it.each(served)(
      'T-020 T-023 T-024 T-025 T-026 serves Accept %j as TAXII 2.1',
      async (accept) => {
        const res = await hub.request(OBJECTS, { token, headers: { accept } })
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe(TAXII)
      },
    )

    it('T-022 T-025 serves a request without Accept as TAXII 2.1', async () => {
      const res = await raw(hub, OBJECTS, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(TAXII)
    })

    const refused = [
      'application/json',
      'text/html',
      'application/stix+json;version=2.1',
      'application/taxii+json;version=2.0',
      'application/taxii+json;version=2.10',
      'application/taxii+json;version=2.1;q=0',
      '*/*;q=0',
      '*/*, application/taxii+json;q=0',
      'application/*;q=0, text/html',
    ]
    it.each(refused)('T-025 T-026 refuses Accept %j with 406', async (accept) => {
      const res = await hub.request(OBJECTS, { token, headers: { accept } })
      expectError(res, 406, 'TAXII_ERR_NOT_ACCEPTABLE')
    })

    it('T-027 a POST is negotiated on Accept too', async () => {
      const res = await hub.request(OBJECTS, {
        token,
        body: { objects: [ind(stixId('indicator', 4, SALT))] },
        headers: { accept: 'application/json' },
      })
      expectError(res, 406)
    })
  })

  describe('T-027..T-029 request Content-Type', () => {
    const accepted = [
      TAXII,
      'application/taxii+json',
      'application/taxii+json; version=2.1; charset=utf-8',
      'application/taxii+json;charset=UTF-8',
      'Application/Taxii+Json;Version=2.1',
    ]
    it.each(accepted)('T-028 T-029 accepts Content-Type %j', async (contentType) => {
      const id = stixId('indicator', 10 + accepted.indexOf(contentType), SALT)
      const res = await hub.request(OBJECTS, {
        token,
        body: { objects: [ind(id)] },
        headers: { 'content-type': contentType },
      })
      expect(res.status, res.text).toBe(202)
      expect(res.json.success_count).toBe(1)
    })

    const refused = [
      'application/json',
      'application/stix+json;version=2.1',
      'application/stix+json',
      'application/taxii+json;version=2.0',
      'application/taxii+json;charset=iso-8859-1',
      'application/taxii+json;version=2.1;profile=x',
      'text/plain',
      'application/x-www-form-urlencoded',
    ]
    it.each(refused)('T-029 refuses Content-Type %j with 415, storing nothing', async (ct) => {
      const id = stixId('indicator', 30, SALT)
      const res = await hub.request(OBJECTS, {
        token,
        body: { objects: [ind(id)] },
        headers: { 'content-type': ct },
      })
      expectError(res, 415, 'TAXII_ERR_UNSUPPORTED_MEDIA_TYPE')
      expect((await hub.request(`${OBJECTS}${id}/`, { token })).status).toBe(404)
    })

    it('T-029 a POST without Content-Type is 415', async () => {
      const res = await raw(hub, OBJECTS, {
        method: 'POST',
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
        body: JSON.stringify({ objects: [ind(stixId('indicator', 31, SALT))] }),
      })
      expect(res.status).toBe(415)
      expect(res.headers['content-type']).toBe(TAXII)
    })

    it('T-029 an encoded body (gzip) is 415 and never parsed; identity is fine', async () => {
      const id = stixId('indicator', 32, SALT)
      const body = JSON.stringify({ objects: [ind(id)] })
      const gz = await raw(hub, OBJECTS, {
        method: 'POST',
        headers: {
          accept: TAXII,
          authorization: `Bearer ${token}`,
          'content-type': TAXII,
          'content-encoding': 'gzip',
        },
        body: gzipSync(body),
      })
      expect(gz.status).toBe(415)
      expect(JSON.parse(gz.text).error_code).toBe('TAXII_ERR_UNSUPPORTED_MEDIA_TYPE')
      expect((await hub.request(`${OBJECTS}${id}/`, { token })).status).toBe(404)
      const plain = await hub.request(OBJECTS, {
        token,
        body,
        headers: { 'content-encoding': 'identity' },
      })
      expect(plain.status).toBe(202)
    })
  })

  describe('T-076 T-163 P-8 max_content_length and 413', () => {
    const small = (path = '') => `/tiny/collections/small/objects/${path}`

    it('T-076 P-8 a body exactly max_content_length long is accepted', async () => {
      const res = await hub.request(small(), { token, body: envelopeOfSize(TINY_MAX) })
      expect(res.status, res.text).toBe(202)
      expect(res.json.success_count).toBe(1)
    })

    it('T-076 one byte more is 413 from Content-Length, nothing stored', async () => {
      const before = await count(tiny)
      const id = stixId('indicator', 51, SALT)
      const res = await hub.request(small(), { token, body: envelopeOfSize(TINY_MAX + 1, id) })
      expectError(res, 413, 'TAXII_ERR_PAYLOAD_TOO_LARGE')
      expect(await count(tiny)).toBe(before)
    })

    it('T-076 a chunked body over the limit is 413 while it streams, nothing stored', async () => {
      const before = await count(tiny)
      const body = Buffer.from(envelopeOfSize(TINY_MAX + 1, stixId('indicator', 52, SALT)))
      const chunks = [body.subarray(0, 600), body.subarray(600)]
      const res = await raw(hub, small(), {
        method: 'POST',
        headers: {
          accept: TAXII,
          authorization: `Bearer ${token}`,
          'content-type': TAXII,
          'transfer-encoding': 'chunked',
        },
        chunks,
      })
      expect(res.status).toBe(413)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(JSON.parse(res.text).http_status).toBe('413')
      expect(await count(tiny)).toBe(before)
    })

    it('T-076 a chunked body within the limit is accepted', async () => {
      const body = Buffer.from(envelopeOfSize(TINY_MAX, stixId('indicator', 53, SALT)))
      const res = await raw(hub, small(), {
        method: 'POST',
        headers: {
          accept: TAXII,
          authorization: `Bearer ${token}`,
          'content-type': TAXII,
          'transfer-encoding': 'chunked',
        },
        chunks: [body.subarray(0, 500), body.subarray(500)],
      })
      expect(res.status).toBe(202)
      expect(JSON.parse(res.text).success_count).toBe(1)
    })

    it('T-018 the default API root enforces its own, larger limit', async () => {
      const res = await hub.request(OBJECTS, { token, body: envelopeOfSize(TINY_MAX + 1) })
      expect(res.status).toBe(202)
    })
  })

  describe('T-062 check order', () => {
    it('T-062 401 before 404', async () => {
      expectError(await hub.request('/nowhere/collections/x/objects/'), 401)
      expectError(await hub.request('/hub/collections/x/objects/', { method: 'PUT' }), 401)
    })

    it('T-062 404 before 405 and 406', async () => {
      expectError(await hub.request('/hub/collections/x/objects/', { token, method: 'PUT' }), 404)
      expectError(await hub.request('/nowhere/', { token, method: 'PUT' }), 404)
      const hidden = await hub.rawToken({ read: ['no-such'] })
      expectError(
        await hub.request(OBJECTS, { token: hidden, headers: { accept: 'text/html' } }),
        404,
      )
    })

    it('T-062 405 before 406', async () => {
      const res = await hub.request(OBJECTS, {
        token,
        method: 'PUT',
        headers: { accept: 'text/html' },
      })
      expectError(res, 405)
    })

    it('T-062 406 before 415', async () => {
      const res = await hub.request(OBJECTS, {
        token,
        body: '{}',
        headers: { accept: 'text/html', 'content-type': 'application/json' },
      })
      expectError(res, 406)
    })

    it('T-062 415 before 413', async () => {
      const res = await hub.request('/tiny/collections/small/objects/', {
        token,
        body: envelopeOfSize(TINY_MAX + 1),
        headers: { 'content-type': 'application/json' },
      })
      expectError(res, 415)
    })

    it('T-062 413 before 403', async () => {
      const reader = await hub.token({ read: ['*'] })
      const res = await hub.request('/tiny/collections/small/objects/', {
        token: reader,
        body: envelopeOfSize(TINY_MAX + 1),
      })
      expectError(res, 413)
    })

    it('T-062 403 before 400 (query) and before 400/422 (body)', async () => {
      const writer = await hub.token({ write: ['*'] })
      expectError(await hub.request(`${OBJECTS}?limit=abc`, { token: writer }), 403)
      const reader = await hub.token({ read: ['*'] })
      expectError(await hub.request(OBJECTS, { token: reader, body: '{' }), 403)
      expectError(await hub.request(OBJECTS, { token: reader, body: '[]' }), 403)
    })

    it('T-062 400 (query) before the object lookup', async () => {
      const absent = `${OBJECTS}${stixId('indicator', 99, SALT)}/`
      expectError(await hub.request(`${absent}?match[version]=never`, { token }), 400)
      expectError(
        await hub.request(`${absent}?match[version]=never`, { token, method: 'DELETE' }),
        400,
      )
    })
  })

  describe('T-059 T-060 status codes', () => {
    it('T-059 T-101 a malformed query parameter is 400 TAXII_ERR_BAD_QUERY', async () => {
      const res = await hub.request(`${OBJECTS}?added_after=yesterday`, { token })
      expectError(res, 400, 'TAXII_ERR_BAD_QUERY')
    })

    it('T-059 T-102 an added_after in year 0000, which PostgreSQL cannot hold, is 400, not 500', async () => {
      for (const path of [OBJECTS, MANIFEST, OBJECT]) {
        for (const t of ['0000-01-01T00:00:00Z', '0001-01-01T00:30:00%2B01:00']) {
          const res = await hub.request(`${path}?added_after=${t}`, { token })
          expectError(res, 400, 'TAXII_ERR_BAD_QUERY')
          expect(res.json.description).toContain('years 0001 to 9999')
        }
      }
    })

    const resources: [string, string, string[]][] = [
      ['/hub/', 'GET', ['POST', 'PUT', 'PATCH', 'DELETE']],
      ['/hub/status/00000000-0000-4000-8000-000000000000/', 'GET', ['POST', 'PUT', 'DELETE']],
      ['/hub/collections/', 'GET', ['POST', 'PUT', 'PATCH', 'DELETE']],
      ['/hub/collections/distillation-indicators/', 'GET', ['POST', 'PUT', 'DELETE']],
      ['/hub/collections/distillation-indicators/manifest/', 'GET', ['POST', 'PUT', 'DELETE']],
      [OBJECTS, 'GET, POST', ['PUT', 'PATCH', 'DELETE', 'OPTIONS']],
      [OBJECT, 'GET, DELETE', ['POST', 'PUT', 'PATCH']],
      [`${OBJECT}versions/`, 'GET', ['POST', 'PUT', 'DELETE']],
    ]
    it.each(resources)(
      'T-060 %s answers other methods with 405 and Allow: %s',
      async (path, allow, methods) => {
        for (const method of methods) {
          const res = await hub.request(path, { token, method })
          expectError(res, 405, 'TAXII_ERR_METHOD_NOT_ALLOWED')
          expect(res.headers.get('allow'), method).toBe(allow)
        }
      },
    )

    it('T-060 methods fetch cannot send (TRACE, WebDAV) get 405 too, not 404', async () => {
      for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'LOCK', 'SEARCH', 'COPY']) {
        const res = await raw(hub, OBJECTS, {
          method,
          headers: { accept: TAXII, authorization: `Bearer ${token}` },
        })
        expect(res.status, method).toBe(405)
        expect(res.headers.allow, method).toBe('GET, POST')
        expect(res.headers['content-type'], method).toBe(TAXII)
        expect(JSON.parse(res.text).error_code, method).toBe('TAXII_ERR_METHOD_NOT_ALLOWED')
      }
    })

    it('T-021 T-055 a request Node cannot parse still gets a TAXII error resource', async () => {
      const { port } = new URL(hub.url)
      const exchange = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () => socket.end(request))
          let text = ''
          socket.on('data', (d: Buffer) => (text += d.toString('utf8')))
          socket.on('end', () => resolve(text))
          socket.on('error', reject)
        })
      const answer = await exchange('GET /hub/ HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n')
      const [head, body] = answer.split('\r\n\r\n')
      expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
      expect(head).toContain(`Content-Type: ${TAXII}`)
      expect(JSON.parse(body!)).toMatchObject({
        title: 'Bad request',
        error_code: 'TAXII_ERR_BAD_REQUEST',
        http_status: '400',
      })
    })

    it('T-021 T-055 headers over 64 KiB are a TAXII 431; a match[id] of 700 ids is read', async () => {
      const ids = (n: number) =>
        Array.from({ length: n }, (_, i) => stixId('indicator', 1000 + i, SALT)).join(',')
      const served = await hub.request(`${MANIFEST}?match[id]=${ids(700)}`, { token })
      expect(served.status).toBe(200)
      const res = await raw(hub, `${MANIFEST}?match[id]=${ids(1400)}`, {
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(431)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(JSON.parse(res.text)).toMatchObject({
        error_code: 'TAXII_ERR_HEADERS_TOO_LARGE',
        http_status: '431',
      })
    })

    it('T-021 T-055 an Expect other than 100-continue is a TAXII 417', async () => {
      const res = await raw(hub, '/hub/', {
        headers: { accept: TAXII, authorization: `Bearer ${token}`, expect: 'foo' },
      })
      expect(res.status).toBe(417)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(JSON.parse(res.text)).toMatchObject({ error_code: 'TAXII_ERR_EXPECTATION_FAILED' })
    })

    it('T-048 a body sent with Delete an Object, of any type or none, is ignored (no 415)', async () => {
      const absent = `${OBJECTS}${stixId('indicator', 98, SALT)}/`
      for (const headers of [{ 'content-type': 'application/json' }, {}] as Record<
        string,
        string
      >[]) {
        const res = await raw(hub, absent, {
          method: 'DELETE',
          // Node's client sends no length for a DELETE body unless told
          headers: {
            accept: TAXII,
            authorization: `Bearer ${token}`,
            'content-length': '17',
            ...headers,
          },
          body: '{"why":"cleanup"}',
        })
        expect(res.status, res.text).toBe(404)
        expect(JSON.parse(res.text).error_code).toBe('TAXII_ERR_OBJECT_NOT_FOUND')
      }
    })

    it('T-060 405 also without the trailing slash', async () => {
      const res = await hub.request('/hub/collections', { token, method: 'PUT' })
      expectError(res, 405)
      expect(res.headers.get('allow')).toBe('GET')
    })

    it('T-056 an unknown path below an API root is a TAXII 404', async () => {
      expectError(await hub.request('/hub/whatever/', { token }), 404, 'TAXII_ERR_NOT_FOUND')
    })

    it('T-058 http_status is a string equal to the status, with a stable error_code', async () => {
      const a = await hub.request(`${OBJECTS}?limit=-1`, { token })
      const b = await hub.request(`${OBJECTS}?limit=x`, { token })
      expect(a.json.http_status).toBe('400')
      expect(a.json.error_code).toBe(b.json.error_code)
      expect(a.json.error_id).not.toBe(b.json.error_id)
    })
  })

  describe('T-006 UTF-8 and I-JSON', () => {
    it('T-006 a body that is not UTF-8 is 400 and stores nothing', async () => {
      const id = stixId('indicator', 60, SALT)
      const text = JSON.stringify({ objects: [ind(id, undefined, { description: 'caf\u00e9' })] })
      const latin1 = Buffer.from(text, 'latin1')
      const res = await raw(hub, OBJECTS, {
        method: 'POST',
        headers: { accept: TAXII, authorization: `Bearer ${token}`, 'content-type': TAXII },
        body: latin1,
      })
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toBe(TAXII)
      expect(JSON.parse(res.text).error_code).toBe('TAXII_ERR_MALFORMED_JSON')
      expect((await hub.request(`${OBJECTS}${id}/`, { token })).status).toBe(404)
    })

    it('T-006 T-154 non-ASCII text round-trips as the same UTF-8 bytes', async () => {
      const id = stixId('indicator', 61, SALT)
      const element = JSON.stringify(ind(id, undefined, { description: 'прокси 代理 🛰️ café' }))
      await hub.request(OBJECTS, { token, body: `{"objects":[${element}]}` })
      const res = await raw(hub, `${OBJECTS}${id}/`, {
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      expect(res.text).toBe(`{"more":false,"objects":[${element}]}`)
    })

    it('T-006 an element with invalid Unicode or duplicate names fails alone (I-JSON)', async () => {
      const good = JSON.stringify(ind(stixId('indicator', 62, SALT)))
      const surrogate = JSON.stringify(ind(stixId('indicator', 63, SALT))).replace(
        '"name":"',
        '"name":"\\ud800',
      )
      const duplicate = JSON.stringify(ind(stixId('indicator', 64, SALT))).replace(
        '{',
        '{"name":"first",',
      )
      const res = await hub.request(OBJECTS, {
        token,
        body: `{"objects":[${good},${surrogate},${duplicate}]}`,
      })
      expect(res.status).toBe(202)
      expect(res.json.success_count).toBe(1)
      expect(res.json.failures.map((f: any) => f.id)).toEqual([
        stixId('indicator', 63, SALT),
        stixId('indicator', 64, SALT),
      ])
      expect(res.json.failures[0].message).toMatch(/surrogate/)
      expect(res.json.failures[1].message).toMatch(/duplicate/)
    })

    it('T-006 responses are valid UTF-8 JSON without duplicate members', async () => {
      const res = await raw(hub, '/hub/collections/', {
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      expect(() =>
        new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(res.text)),
      ).not.toThrow()
      expect(JSON.parse(res.text).collections.length).toBeGreaterThan(0)
    })
  })
})

describe.each(DIALECTS)('unexpected faults (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'] })
  })
  afterAll(() => hub.close())

  it('T-061 an unexpected fault is a 500 with an opaque error_id and no internals', async () => {
    // the database goes away under a running hub
    await hub.server.deps.store.close()
    const res = await hub.request('/hub/collections/', { token })
    expectError(res, 500, 'TAXII_ERR_INTERNAL')
    expect(res.json.error_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/)
    expect(res.text.toLowerCase()).not.toContain('kysely')
    expect(res.text.toLowerCase()).not.toContain('destroy')
  })
})
