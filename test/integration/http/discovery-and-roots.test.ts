import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { addCollection, expectError, ind, objectsPath, raw, stixId, TAXII } from './conformance.js'

const TLP_IDS = [
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
]
const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d'

/** The properties TAXII 2.1 defines for each resource the hub serves. */
const DEFINED = {
  discovery: ['title', 'description', 'contact', 'default', 'api_roots'],
  apiRoot: ['title', 'description', 'versions', 'max_content_length'],
  collections: ['collections'],
  collection: ['id', 'title', 'description', 'alias', 'can_read', 'can_write', 'media_types'],
  status: [
    ...['id', 'status', 'request_timestamp', 'total_count'],
    ...['success_count', 'successes', 'failure_count', 'failures', 'pending_count', 'pendings'],
  ],
  statusDetails: ['id', 'version', 'message'],
  envelope: ['more', 'next', 'objects'],
  // `next` on manifests and versions too: a hub decision (T-129)
  manifest: ['more', 'next', 'objects'],
  manifestRecord: ['id', 'date_added', 'version', 'media_type'],
  versions: ['more', 'next', 'versions'],
  error: [
    ...['title', 'description', 'error_id', 'error_code'],
    ...['http_status', 'external_details', 'details'],
  ],
} satisfies Record<string, string[]>

/** T-196 T-197: how a custom property would have to be named. */
const CUSTOM_NAME = /^x_[a-z0-9_]{1,248}$/

/** The properties of `resource` that TAXII does not define and that no custom property may be called. */
function stray(resource: unknown, kind: keyof typeof DEFINED): string[] {
  expect(resource, kind).toBeTypeOf('object')
  const defined: readonly string[] = DEFINED[kind]
  return Object.keys(resource as object).filter(
    (key) => !defined.includes(key) && !CUSTOM_NAME.test(key),
  )
}

describe.each(DIALECTS)('discovery and API roots (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    // created after the built-in one, so listed after it (T-071)
    const store = hub.server.deps.store
    await store.createApiRoot({ name: 'second', title: 'Second root', max_content_length: 4096 })
  })
  afterAll(() => hub.close())

  it('T-065 T-066 T-037 serves discovery at /taxii2/ without credentials', async () => {
    const res = await hub.request('/taxii2/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TAXII)
    expect(res.json.title).toBe('hydrawatch')
  })

  it('T-037 T-044 discovery is the same, unfiltered, with and without a token', async () => {
    const nobody = await hub.rawToken({ read: ['no-such-collection'] })
    const anonymous = await hub.request('/taxii2/')
    const authenticated = await hub.request('/taxii2/', { token: nobody })
    expect(authenticated.status).toBe(200)
    expect(authenticated.text).toBe(anonymous.text)
    // credentials are not even looked at: a bad one does not turn discovery into a 401
    const garbage = await hub.request('/taxii2/', { token: 'not-a-token' })
    expect(garbage.status).toBe(200)
    expect(garbage.text).toBe(anonymous.text)
  })

  it('T-067 T-069 T-071 lists every API root as an absolute URL in creation order', async () => {
    const res = await hub.request('/taxii2/')
    expect(res.json.api_roots).toEqual([`${hub.url}/hub/`, `${hub.url}/second/`])
    for (const root of res.json.api_roots as string[]) {
      expect(root).toMatch(/^https?:\/\/[^/]/)
      expect(root).not.toContain('?')
      expect(root.endsWith('/')).toBe(true)
    }
  })

  it('T-068 default is one of api_roots', async () => {
    const res = await hub.request('/taxii2/')
    expect(res.json.default).toBe(`${hub.url}/hub/`)
    expect(res.json.api_roots).toContain(res.json.default)
  })

  it('T-067 T-008 T-009 omits optional properties that have no value', async () => {
    const res = await hub.request('/taxii2/')
    expect(Object.keys(res.json).sort()).toEqual(['api_roots', 'default', 'title'])
  })

  it('T-066 T-060 discovery answers other methods with 405 and Allow, without needing a token', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await hub.request('/taxii2/', { method })
      expectError(res, 405, 'TAXII_ERR_METHOD_NOT_ALLOWED')
      expect(res.headers.get('allow')).toBe('GET')
    }
  })

  it('T-066 discovery answers 406 to an Accept it cannot serve', async () => {
    const res = await hub.request('/taxii2/', { headers: { accept: 'text/html' } })
    expectError(res, 406, 'TAXII_ERR_NOT_ACCEPTABLE')
  })

  it('T-016 offers an extra, non-TAXII health URL', async () => {
    const res = await hub.request('/healthz')
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'ok' })
  })

  it('T-007 serves /taxii2 without the trailing slash, with no redirect', async () => {
    const res = await raw(hub, '/taxii2', { headers: { accept: TAXII } })
    expect(res.status).toBe(200)
    expect(res.headers.location).toBeUndefined()
    expect(JSON.parse(res.text).api_roots).toContain(`${hub.url}/hub/`)
  })

  it('T-072 T-073 T-074 T-075 serves the API root resource', async () => {
    const res = await hub.request('/hub/', { token })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(TAXII)
    expect(res.json).toEqual({
      title: 'Distillation sharing hub',
      description: expect.any(String),
      versions: ['application/taxii+json;version=2.1'],
      max_content_length: 10485760,
    })
    expect(Number.isSafeInteger(res.json.max_content_length)).toBe(true)
  })

  it('T-072 T-073 each API root has its own URL and max_content_length', async () => {
    const res = await hub.request('/second/', { token })
    expect(res.status).toBe(200)
    expect(res.json).toEqual({
      title: 'Second root',
      versions: ['application/taxii+json;version=2.1'],
      max_content_length: 4096,
    })
  })

  it('T-007 serves an API root without the trailing slash', async () => {
    const res = await hub.request('/hub', { token })
    expect(res.status).toBe(200)
    expect(res.json.title).toBe('Distillation sharing hub')
  })

  it('T-044 answers an API root to a principal that sees none of its collections', async () => {
    const outsider = await hub.rawToken({ read: ['other-root/x'] })
    const info = await hub.request('/hub/', { token: outsider })
    expect(info.status).toBe(200)
    const collections = await hub.request('/hub/collections/', { token: outsider })
    expect(collections.status).toBe(200)
    expect(collections.text).toBe('{}')
  })

  it('T-077 T-037 API root: 401 without credentials, 404 unknown, 405, 406', async () => {
    expectError(await hub.request('/hub/'), 401, 'TAXII_ERR_UNAUTHORIZED')
    expectError(await hub.request('/nowhere/', { token }), 404)
    const post = await hub.request('/hub/', { token, method: 'DELETE' })
    expectError(post, 405)
    expect(post.headers.get('allow')).toBe('GET')
    expectError(await hub.request('/hub/', { token, headers: { accept: 'application/json' } }), 406)
  })

  it('T-077 an unknown API root is 401 before 404 without credentials', async () => {
    expectError(await hub.request('/nowhere/'), 401)
  })

  it('T-071 the first start creates API root hub with the distillation-indicators collection', async () => {
    const res = await hub.request('/hub/collections/distillation-indicators/', { token })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      alias: 'distillation-indicators',
      can_read: true,
      can_write: true,
    })
    const objects = await hub.request('/hub/collections/distillation-indicators/objects/', {
      token,
    })
    expect(objects.text).toBe('{}')
  })

  it('T-071 the built-in reference collection is read-only and holds the TLP objects', async () => {
    const res = await hub.request('/hub/collections/reference/', { token })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ alias: 'reference', can_read: true, can_write: false })
    const objects = await hub.request('/hub/collections/reference/objects/?limit=1000', { token })
    const ids = (objects.json.objects as { id: string }[]).map((o) => o.id)
    for (const id of [...TLP_IDS, TLP2_EXTENSION]) expect(ids).toContain(id)
  })

  it('T-071 built-in content goes into no other collection', async () => {
    const later = await addCollection(hub, { alias: 'later' })
    for (const c of ['distillation-indicators', later.id]) {
      const res = await hub.request(`/hub/collections/${c}/objects/`, { token })
      expect(res.text).toBe('{}')
    }
  })

  it('T-195 T-196 T-197 every resource the hub serves holds TAXII’s properties and no other', async () => {
    const get = async (path: string) => (await hub.request(path, { token })).json
    const OBJECTS = objectsPath('distillation-indicators')
    const id = stixId('indicator', 1, 0x9c)
    const posted = await hub.request(OBJECTS, {
      token,
      body: {
        objects: [
          ind(id),
          ind(id, '2025-07-15T00:00:00.000Z'),
          { type: 'indicator', id: 'indicator--not-a-uuid' },
        ],
      },
    })
    const status = posted.json
    expect(status.failure_count).toBe(1)

    const collections = await get('/hub/collections/')
    const collectionId = collections.collections[0].id as string
    const manifest = await get(
      `/hub/collections/${collectionId}/manifest/?limit=1&match[version]=all`,
    )
    const versions = await get(`${OBJECTS}${id}/versions/?limit=1`)
    const envelope = await get(`${OBJECTS}?limit=1&match[version]=all`)
    const error = await get('/hub/collections/no-such-collection/')

    const found = {
      discovery: stray(await get('/taxii2/'), 'discovery'),
      apiRoot: stray(await get('/hub/'), 'apiRoot'),
      collections: stray(collections, 'collections'),
      collection: [
        ...stray(await get(`/hub/collections/${collectionId}/`), 'collection'),
        ...collections.collections.flatMap((c: unknown) => stray(c, 'collection')),
      ],
      status: [
        ...stray(status, 'status'),
        ...stray(await get(`/hub/status/${status.id}/`), 'status'),
      ],
      statusDetails: [...status.successes, ...status.failures].flatMap((d: unknown) =>
        stray(d, 'statusDetails'),
      ),
      envelope: stray(envelope, 'envelope'),
      manifest: stray(manifest, 'manifest'),
      manifestRecord: manifest.objects.flatMap((r: unknown) => stray(r, 'manifestRecord')),
      versions: stray(versions, 'versions'),
      error: stray(error, 'error'),
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(DEFINED).map((k) => [k, []])))
    // the pages above were pages: their `next` was there to be checked
    expect([envelope.next, manifest.next, versions.next]).toEqual([
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ])
  })
})

describe('the listener', () => {
  it('T-001 T-069 listens on loopback unless an operator configures otherwise', () => {
    const config = loadConfig({})
    expect(config.host).toBe('127.0.0.1')
    expect(config.publicUrl).toBe('http://127.0.0.1:8080')
  })
})

describe.each(DIALECTS)('discovery behind a configured public URL (%s)', (dialect) => {
  let hub: TestHub

  beforeAll(async () => {
    hub = await startTestHub(dialect, {
      HYDRAWATCH_PUBLIC_URL: 'https://taxii.hub.example',
      HYDRAWATCH_TITLE: 'Distillation sharing hub',
      HYDRAWATCH_DESCRIPTION: 'Indicators of distillation attacks, shared among labs',
      HYDRAWATCH_CONTACT: 'soc@hub.example',
      HYDRAWATCH_ADVERTISED_API_ROOTS:
        'https://taxii.partner.example/shared/,https://taxii.hub.example/hub/',
    })
  })
  afterAll(() => hub.close())

  it('T-067 T-069 T-070 advertises the public URL, title, description and contact, never the bound port, then the API roots hosted elsewhere', async () => {
    const res = await hub.request('/taxii2/')
    expect(res.json).toEqual({
      title: 'Distillation sharing hub',
      description: 'Indicators of distillation attacks, shared among labs',
      contact: 'soc@hub.example',
      default: 'https://taxii.hub.example/hub/',
      // its own API root, configured again by mistake, is listed once
      api_roots: ['https://taxii.hub.example/hub/', 'https://taxii.partner.example/shared/'],
    })
  })

  it('T-052 hub tokens carry the hub identity, not its URL or port, as iss and aud', async () => {
    const token = await hub.token({ read: ['*'] })
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
    expect(claims.iss).toBe(hub.server.deps.keys.issuer)
    expect(claims.aud).toBe(hub.server.deps.keys.issuer)
    expect(claims.iss).not.toContain(new URL(hub.url).port)
    expect(claims.iss).not.toContain('hub.example')
  })
})
