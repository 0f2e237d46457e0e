import { SignJWT, UnsecuredJWT } from 'jose'
import { issueToken } from '../../../src/auth/tokens.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../helpers/db.js'
import { authorization, startTestHub, type AuthForm, type TestHub } from '../../helpers/hub.js'
import { expectError, raw, sansErrorId, TAXII } from './conformance.js'

const COLLECTIONS = '/hub/collections/'
const BOTH_CHALLENGES = 'Bearer realm="taxii", Basic realm="taxii"'
const INVALID_CHALLENGES = 'Bearer realm="taxii", error="invalid_token", Basic realm="taxii"'

/** Every endpoint but discovery needs a token (T-037); `x` stands for ids that need not exist. */
const PROTECTED = [
  ['GET', '/hub/'],
  ['GET', '/hub/status/4d8e7f1a-5b2c-4c3d-8e9f-0a1b2c3d4e5f/'],
  ['GET', '/hub/collections/'],
  ['GET', '/hub/collections/distillation-indicators/'],
  ['GET', '/hub/collections/distillation-indicators/manifest/'],
  ['GET', '/hub/collections/distillation-indicators/objects/'],
  ['POST', '/hub/collections/distillation-indicators/objects/'],
  [
    'GET',
    '/hub/collections/distillation-indicators/objects/indicator--4d755a59-8606-4662-bea2-a196d66bb4d7/',
  ],
  [
    'DELETE',
    '/hub/collections/distillation-indicators/objects/indicator--4d755a59-8606-4662-bea2-a196d66bb4d7/',
  ],
  [
    'GET',
    '/hub/collections/distillation-indicators/objects/indicator--4d755a59-8606-4662-bea2-a196d66bb4d7/versions/',
  ],
  ['GET', '/hub/collections/no-such-collection/objects/'],
  ['GET', '/no-such-root/collections/'],
] as const

const now = () => Math.floor(Date.now() / 1000)

describe.each(DIALECTS)('authentication (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  /** A token signed with the hub key, with the given claims changed. */
  function mint(
    claims: { iss?: string; aud?: string; exp?: number; nbf?: number; sub?: string } = {},
    alg = 'HS256',
  ): Promise<string> {
    const keys = hub.server.deps.keys
    const jwt = new SignJWT({ scope: 'read:* write:*' })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(claims.iss ?? keys.issuer)
      .setAudience(claims.aud ?? keys.issuer)
      .setSubject(claims.sub ?? 'acme')
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? now() + 3600)
    if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf)
    return alg === 'HS256' ? jwt.sign(keys.jwtSecret) : rawKey().then((raw) => jwt.sign(raw))
  }

  /** The hub's key bytes as stored, to sign with another HMAC algorithm than the key's own. */
  async function rawKey(): Promise<Uint8Array> {
    const stored = await hub.server.deps.store.hubKey('jwt', () => {
      throw new Error('the hub has a key')
    })
    return Buffer.from(stored.secret, 'base64url')
  }

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  it.each<AuthForm>(['bearer', 'token', 'basic-password', 'basic-username'])(
    'T-038 accepts the token as %s on every kind of endpoint',
    async (auth) => {
      for (const path of ['/hub/', COLLECTIONS, '/hub/collections/distillation-indicators/']) {
        const res = await hub.request(path, { token, auth })
        expect(res.status, path).toBe(200)
      }
    },
  )

  it('T-038 scheme names are case-insensitive', async () => {
    for (const scheme of ['bearer', 'BEARER', 'token', 'TOKEN']) {
      const res = await hub.request(COLLECTIONS, {
        headers: { authorization: `${scheme} ${token}` },
      })
      expect(res.status, scheme).toBe(200)
    }
    const basic = Buffer.from(`lab:${token}`).toString('base64')
    expect(
      (await hub.request(COLLECTIONS, { headers: { authorization: `basic ${basic}` } })).status,
    ).toBe(200)
  })

  it.each(PROTECTED)(
    'T-037 P-1 answers %s %s with 401 and both challenges without credentials',
    async (method, path) => {
      const res = await hub.request(path, {
        method,
        ...(method === 'POST' && { body: { objects: [] } }),
      })
      expectError(res, 401, 'TAXII_ERR_UNAUTHORIZED')
      expect(res.headers.get('www-authenticate')).toBe(BOTH_CHALLENGES)
    },
  )

  it('T-036 T-041 adds error="invalid_token" when a token was sent but fails', async () => {
    const res = await hub.request(COLLECTIONS, { token: 'not.a.jwt' })
    expectError(res, 401, 'TAXII_ERR_UNAUTHORIZED')
    expect(res.headers.get('www-authenticate')).toBe(INVALID_CHALLENGES)
  })

  it('T-038 Basic carrying a plain password is refused: there is no password database', async () => {
    const res = await hub.request(COLLECTIONS, {
      headers: { authorization: `Basic ${Buffer.from('admin:Password0').toString('base64')}` },
    })
    expectError(res, 401)
    expect(res.headers.get('www-authenticate')).toBe(INVALID_CHALLENGES)
  })

  it('T-038 Basic with both parts empty or without a colon is refused', async () => {
    for (const credentials of [':', 'nocolon']) {
      const res = await hub.request(COLLECTIONS, {
        headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
      })
      expectError(res, 401)
    }
  })

  it('T-035 an unknown scheme or a malformed header is 401', async () => {
    for (const header of [`Digest ${token}`, 'Bearer', `Bearer ${token} extra`, `Negotiate abc`]) {
      const res = await hub.request(COLLECTIONS, { headers: { authorization: header } })
      expectError(res, 401)
      expect(res.headers.get('www-authenticate')).toContain('Bearer realm="taxii"')
    }
  })

  it('T-041 refuses alg:none tokens', async () => {
    const keys = hub.server.deps.keys
    const unsigned = new UnsecuredJWT({ scope: 'read:*' })
      .setIssuer(keys.issuer)
      .setAudience(keys.issuer)
      .setSubject('acme')
      .setExpirationTime(now() + 3600)
      .encode()
    for (const auth of ['bearer', 'token', 'basic-password'] as const) {
      expectError(await hub.request(COLLECTIONS, { token: unsigned, auth }), 401)
    }
  })

  it('T-041 refuses a token signed with another key (forged) or a tampered payload', async () => {
    const keys = hub.server.deps.keys
    const forged = await new SignJWT({ scope: 'read:*' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(keys.issuer)
      .setAudience(keys.issuer)
      .setSubject('acme')
      .setExpirationTime(now() + 3600)
      .sign(new TextEncoder().encode('a-key-an-attacker-chose-0123456789abcdef'))
    expectError(await hub.request(COLLECTIONS, { token: forged }), 401)

    const [header, payload, signature] = (await hub.rawToken({ read: ['x'] })).split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    claims.scope = 'admin:*'
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    expectError(await hub.request(COLLECTIONS, { token: tampered }), 401)
  })

  it('T-041 refuses an algorithm outside the allow-list even with the right key', async () => {
    expectError(await hub.request(COLLECTIONS, { token: await mint({}, 'HS512') }), 401)
  })

  it('T-041 refuses wrong issuer and wrong audience', async () => {
    expectError(await hub.request(COLLECTIONS, { token: await mint({ iss: 'urn:other' }) }), 401)
    expectError(await hub.request(COLLECTIONS, { token: await mint({ aud: 'urn:other' }) }), 401)
    expectError(await hub.request(COLLECTIONS, { token: await mint({ aud: hub.url }) }), 401)
  })

  it('T-041 checks exp and nbf with at most 60 s of skew', async () => {
    const expired = await mint({ exp: now() - 120 })
    const res = await hub.request(COLLECTIONS, { token: expired })
    expectError(res, 401)
    expect(res.headers.get('www-authenticate')).toBe(INVALID_CHALLENGES)
    expect(
      (await hub.request(COLLECTIONS, { token: await mint({ exp: now() - 20 }) })).status,
    ).toBe(200)
    expectError(await hub.request(COLLECTIONS, { token: await mint({ nbf: now() + 120 }) }), 401)
    expect(
      (await hub.request(COLLECTIONS, { token: await mint({ nbf: now() + 20 }) })).status,
    ).toBe(200)
  })

  it('T-041 refuses a token without exp or without sub', async () => {
    const keys = hub.server.deps.keys
    const noExp = await new SignJWT({ scope: 'read:*' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(keys.issuer)
      .setAudience(keys.issuer)
      .setSubject('acme')
      .sign(keys.jwtSecret)
    expectError(await hub.request(COLLECTIONS, { token: noExp }), 401)
    const noSub = await new SignJWT({ scope: 'read:*' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(keys.issuer)
      .setAudience(keys.issuer)
      .setExpirationTime(now() + 3600)
      .sign(keys.jwtSecret)
    expectError(await hub.request(COLLECTIONS, { token: noSub }), 401)
  })

  it('T-049 401 descriptions do not echo the credential', async () => {
    const expired = await mint({ exp: now() - 120 })
    const res = await hub.request(COLLECTIONS, { token: expired })
    expect(res.text).not.toContain(expired)
    expect(res.text).not.toContain(hub.server.deps.keys.issuer)
  })

  it('T-039 authentication is on by default: no credentials, no data', async () => {
    const res = await hub.request('/hub/collections/distillation-indicators/objects/')
    expectError(res, 401)
  })

  it('T-040 never drops an unauthorized request silently: it always answers', async () => {
    const res = await raw(hub, COLLECTIONS, { headers: { authorization: 'Bearer x' } })
    expect(res.status).toBe(401)
    expect(res.headers['content-type']).toBe(TAXII)
  })

  it('T-015 serves a request without User-Agent', async () => {
    const res = await raw(hub, COLLECTIONS, {
      headers: { accept: TAXII, authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
  })

  it('T-036 a bad token looks the same whatever endpoint it is sent to', async () => {
    const a = await hub.request('/hub/', { token: 'x' })
    const b = await hub.request('/hub/collections/no-such/objects/', { token: 'x' })
    expect(sansErrorId(a.json)).toEqual(sansErrorId(b.json))
  })

  it('T-005 a token bound to a client certificate is refused over a connection without TLS', async () => {
    const bound = await issueToken(hub.server.deps.keys, {
      sub: 'bound-lab',
      read: ['*'],
      certThumbprint: 'x'.repeat(43),
      ttlSeconds: 600,
    })
    const res = await hub.request(COLLECTIONS, { token: bound })
    expect(res.status).toBe(401)
    expect(res.json.description).toMatch(/bound to a client certificate.*serving HTTPS itself/)
  })

  it.each([
    ['another confirmation method', { jkt: 'x' }],
    ['a thumbprint that is not a string', { 'x5t#S256': 42 }],
    ['no object', 'x'],
  ])('T-005 T-041 refuses a token whose cnf claim holds %s', async (_, cnf) => {
    const keys = hub.server.deps.keys
    const token = await new SignJWT({ scope: 'read:*', cnf })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(keys.issuer)
      .setAudience(keys.issuer)
      .setSubject('acme')
      .setExpirationTime(now() + 600)
      .sign(keys.jwtSecret)
    const res = await hub.request(COLLECTIONS, { token })
    expect(res.status).toBe(401)
    expect(res.json.description).toBe('the token\'s "cnf" claim is not valid here')
  })
})

describe.each(DIALECTS)('authentication with Basic disabled (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect, { HYDRAWATCH_BASIC_AUTH: 'false' })
    token = await hub.token({ read: ['*'] })
  })
  afterAll(() => hub.close())

  it('T-038 operators may disable Basic: a valid token inside Basic is then refused', async () => {
    for (const auth of ['basic-password', 'basic-username'] as const) {
      const res = await hub.request(COLLECTIONS, { token, auth })
      expectError(res, 401)
    }
    expect((await hub.request(COLLECTIONS, { token, auth: 'bearer' })).status).toBe(200)
    expect((await hub.request(COLLECTIONS, { token, auth: 'token' })).status).toBe(200)
  })

  it('T-036 offers only the Bearer challenge while Basic is disabled', async () => {
    const res = await hub.request(COLLECTIONS)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="taxii"')
    const bad = await hub.request(COLLECTIONS, {
      headers: { authorization: authorization(token, 'basic-password')! },
    })
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="taxii", error="invalid_token"')
  })
})
