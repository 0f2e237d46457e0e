import { spawn } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type ConnectionOptions } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { createTestDatabase, DIALECTS, embeddedDataDir } from '../helpers/db.js'
import { authorization, indicator, TAXII, type AuthForm } from '../helpers/hub.js'

const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url))
const CERT = join(TLS_DIR, 'hub.pem')
const KEY = join(TLS_DIR, 'hub.key')
const CA = readFileSync(join(TLS_DIR, 'ca.pem'))
const PARTNERS_CA = join(TLS_DIR, 'partners-ca.pem')

/** A client certificate and its key from the fixtures: partner, other (same CA) or stranger. */
const clientCert = (name: 'partner' | 'other' | 'stranger') => ({
  cert: readFileSync(join(TLS_DIR, `${name}.pem`)),
  key: readFileSync(join(TLS_DIR, `${name}.key`)),
})

interface Handshake {
  protocol?: string | null
  cipher?: string
  /** the handshake's failure, as the client saw it */
  error?: string
}

/** Opens a TLS connection with the given client settings and reports how the handshake went. */
function handshake(url: string, opts: ConnectionOptions): Promise<Handshake> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), ca: CA, ...opts })
    socket.once('secureConnect', () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().standardName })
      socket.destroy()
    })
    socket.once('error', (err) => resolve({ error: err.message }))
  })
}

/**
 * What `openssl s_client` says of a TLS 1.3 connection to `url` that sends `request` once
 * connected (`args` add to the command line), or `undefined` when there is no openssl.
 */
function sClient(url: string, request: string, args: string[]): Promise<string | undefined> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const child = spawn(
      'openssl',
      ['s_client', '-connect', `${hostname}:${port}`, '-tls1_3', '-ign_eof', ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.once('error', () => resolve(undefined))
    child.once('close', () => resolve(out))
    // the request once the handshake is done; the hub answers it and closes (Connection: close)
    setTimeout(() => child.stdin.end(request), 500)
    setTimeout(() => child.kill(), 10_000).unref()
  })
}

/**
 * A request over HTTPS that trusts the test CA only, as a partner's client configured for it; a
 * body is sent as a TAXII envelope.
 */
function httpsRequest(
  url: string,
  headers: Record<string, string>,
  envelope?: unknown,
  client?: { cert: Buffer; key: Buffer },
): Promise<{ status: number; text: string }> {
  const body = envelope === undefined ? undefined : JSON.stringify(envelope)
  const sent =
    body === undefined
      ? headers
      : { ...headers, 'content-type': TAXII, 'content-length': String(Buffer.byteLength(body)) }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: CA, method: body === undefined ? 'GET' : 'POST', headers: sent, ...client },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      },
    )
    req.once('error', reject)
    req.end(body)
  })
}

describe('hydrawatch serve over HTTPS (HYDRAWATCH_TLS_CERT, HYDRAWATCH_TLS_KEY, HYDRAWATCH_TLS_CLIENT_CA)', () => {
  let dir: string
  let hub: ServingHub
  let env: Record<string, string>

  beforeAll(async () => {
    dir = embeddedDataDir()
    env = {
      HYDRAWATCH_DATA_DIR: dir,
      HYDRAWATCH_TLS_CERT: CERT,
      HYDRAWATCH_TLS_KEY: KEY,
      // asks clients for a certificate; every test without one shows they need none
      HYDRAWATCH_TLS_CLIENT_CA: PARTNERS_CA,
    }
    hub = await serveCli([], env)
  }, 120_000)
  afterAll(async () => {
    if (hub !== undefined && hub.child.exitCode === null) await hub.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A token from the hub's CLI for every collection, bound to the partner's certificate. */
  async function tokenBoundToPartner(sub: string, right: '--read' | '--write'): Promise<string> {
    const r = await runCli(
      ['token', 'issue', '--sub', sub, right, '*', '--ttl', '1h'].concat(
        '--client-cert',
        join(TLS_DIR, 'partner.pem'),
      ),
      env,
    )
    expect(r.code, r.stderr).toBe(0)
    return r.stdout.trim()
  }

  /**
   * A hub that pulls from the one under test: its own database (PostgreSQL when the suite has it,
   * as that starts in a second where a new embedded one takes several), with an API root `hub`
   * and a collection `intel`; `feedAdd` gives the arguments of a feed of the hub's
   * distillation-indicators collection with the token in $PARTNER_TOKEN.
   */
  async function pullerOf(name: string, extraEnv: Record<string, string>) {
    const db = await createTestDatabase(DIALECTS.includes('postgres') ? 'postgres' : 'pglite')
    onTestFinished(() => db.drop())
    const store: Record<string, string> =
      db.url === 'memory:'
        ? { HYDRAWATCH_DATA_DIR: embeddedDataDir(join(dir, name)) }
        : { DATABASE_URL: db.url }
    const puller = {
      env: { ...store, ...extraEnv } as Record<string, string>,
      async run(args: string[]) {
        const r = await runCli(args, puller.env)
        expect(r.code, r.stderr).toBe(0)
      },
      feedAdd: (feed: string, extra: string[] = []) => [
        'feeds',
        'add',
        feed,
        '--url',
        `${hub.url.replace('127.0.0.1', 'localhost')}/hub/`,
        '--collection',
        'distillation-indicators',
        '--into',
        'intel',
        '--token-env',
        'PARTNER_TOKEN',
        ...extra,
      ],
    }
    await puller.run(['api-roots', 'create', 'hub', '--title', 'Hub'])
    await puller.run(['collections', 'create', '--title', 'Partner intel', '--alias', 'intel'])
    return puller
  }

  it('T-001 listens on https and advertises https API roots in discovery', async () => {
    expect(hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const res = await httpsRequest(`${hub.url}/taxii2/`, { accept: '*/*' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toMatchObject({ default: `${hub.url}/hub/` })
  })

  it('T-002 accepts TLS 1.2 and TLS 1.3', async () => {
    const v12 = await handshake(hub.url, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
    expect(v12).toMatchObject({ protocol: 'TLSv1.2' })
    expect(v12.cipher).toMatch(/^TLS_ECDHE_RSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/)
    const v13 = await handshake(hub.url, { minVersion: 'TLSv1.3' })
    expect(v13).toMatchObject({ protocol: 'TLSv1.3' })
  })

  it('T-002 refuses TLS 1.1: the hub answers with a protocol-version alert', async () => {
    // the client is set to offer TLS 1.1 only, so the refusal can only come from the hub
    const v11 = await handshake(hub.url, {
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    })
    expect(v11.error).toMatch(/alert protocol version/)
  })

  it('T-003 takes no TLS 1.3 early data: its session tickets allow none, so a resumed client sends none', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hydrawatch-0rtt-'))
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }))
    const session = join(tmp, 'session.pem')
    const early = join(tmp, 'early.txt')
    const get = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'
    writeFileSync(early, get)
    const first = await sClient(hub.url, get, ['-sess_out', session])
    if (first === undefined) return expect.fail('openssl is needed to offer early data')
    expect(first).toMatch(/HTTP\/1\.1 200/)
    expect(first).toMatch(/Max Early Data: 0\b/)
    expect(first).not.toMatch(/Max Early Data: [1-9]/)
    const resumed = await sClient(hub.url, get, ['-sess_in', session, '-early_data', early])
    expect(resumed).toMatch(/Reused, TLSv1\.3/)
    expect(resumed).toMatch(/Early data was (not sent|rejected)/)
    expect(resumed).not.toMatch(/Early data was accepted/)
  })

  it.each([
    ['a CBC suite', 'ECDHE-RSA-AES128-SHA'],
    ['a CBC suite with SHA-256', 'ECDHE-RSA-AES128-SHA256'],
    ['static RSA key exchange', 'AES128-GCM-SHA256'],
  ])('T-004 refuses a TLS 1.2 client offering only %s (%s)', async (_, cipher) => {
    const res = await handshake(hub.url, { maxVersion: 'TLSv1.2', ciphers: cipher })
    expect(res.error).toMatch(/alert handshake failure/)
  })

  it.each(['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'])(
    'T-004 accepts the TLS 1.2 AEAD suite %s',
    async (cipher) => {
      const res = await handshake(hub.url, { maxVersion: 'TLSv1.2', ciphers: cipher })
      expect(res.error).toBeUndefined()
      expect(res.protocol).toBe('TLSv1.2')
    },
  )

  it('T-001 admin commands reach the running hub through its certificate pin; Bearer, Token and both Basic forms read over HTTPS', async () => {
    const issued = await runCli(
      ['token', 'issue', '--sub', 'tls-partner', '--read', '*', '--write', '*', '--ttl', '1h'],
      env,
    )
    expect(issued.stderr).not.toMatch(/error/i)
    expect(issued.code).toBe(0)
    const token = issued.stdout.trim()
    const forms: AuthForm[] = ['bearer', 'token', 'basic-password', 'basic-username']
    for (const form of forms) {
      const res = await httpsRequest(`${hub.url}/hub/collections/`, {
        accept: TAXII,
        authorization: authorization(token, form)!,
      })
      expect(res.status, form).toBe(200)
      expect(JSON.parse(res.text).collections.length, form).toBeGreaterThan(0)
    }
    const post = await httpsRequest(
      `${hub.url}/hub/collections/distillation-indicators/objects/`,
      { accept: TAXII, authorization: `Bearer ${token}` },
      { objects: [indicator(1)] },
    )
    expect(post.status).toBe(202)
  })

  it('T-005 a token bound to a client certificate is accepted only over a connection presenting that certificate, issued by a partners CA', async () => {
    const issue = async (cert: string) => {
      const r = await runCli(
        ['token', 'issue', '--sub', 'bound-lab', '--read', '*', '--ttl', '1h'].concat(
          '--client-cert',
          join(TLS_DIR, cert),
        ),
        env,
      )
      expect(r.code, r.stderr).toBe(0)
      return r.stdout.trim()
    }
    const bound = await issue('partner.pem')
    // RFC 8705 §3.1: the thumbprint of the DER certificate, in the cnf claim
    const claims = JSON.parse(Buffer.from(bound.split('.')[1]!, 'base64url').toString()) as {
      cnf: Record<string, string>
    }
    const der = new X509Certificate(clientCert('partner').cert).raw
    expect(claims.cnf).toEqual({
      'x5t#S256': createHash('sha256').update(der).digest('base64url'),
    })

    const read = (token: string, client?: { cert: Buffer; key: Buffer }) =>
      httpsRequest(
        `${hub.url}/hub/collections/`,
        { accept: TAXII, authorization: `Bearer ${token}` },
        undefined,
        client,
      )
    expect((await read(bound, clientCert('partner'))).status).toBe(200)
    for (const [client, reason] of [
      [undefined, /bound to a client certificate \(RFC 8705\): connect with that certificate/],
      [clientCert('other'), /this connection presents another one/],
    ] as const) {
      const res = await read(bound, client)
      expect(res.status).toBe(401)
      expect(JSON.parse(res.text).description).toMatch(reason)
    }
    // the certificate it is bound to, from no CA the hub trusts for partners
    const stranger = await issue('stranger.pem')
    const untrusted = await read(stranger, clientCert('stranger'))
    expect(untrusted.status).toBe(401)
    expect(JSON.parse(untrusted.text).description).toMatch(/client certificate is not trusted/)

    // a token bound to no certificate reads with or without one
    const plain = (
      await runCli(['token', 'issue', '--sub', 'sentinel', '--read', '*', '--ttl', '1h'], env)
    ).stdout.trim()
    expect((await read(plain, clientCert('partner'))).status).toBe(200)
    expect((await read(plain)).status).toBe(200)
  })

  it.each([
    ['a file that does not exist', 'missing.pem', /cannot read .*missing\.pem \(ENOENT\)/],
    ['a file without a certificate', 'partner.key', /holds no PEM certificate/],
  ])('token issue --client-cert exits 2 on %s', async (_, file, message) => {
    const r = await runCli(
      ['token', 'issue', '--sub', 'x', '--read', '*', '--client-cert', join(TLS_DIR, file)],
      env,
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
  })

  it('T-205 a feed pull verifies the partner certificate: refused at once without its CA, pulled with NODE_EXTRA_CA_CERTS', async () => {
    const token = (
      await runCli(['token', 'issue', '--sub', 'puller', '--read', '*', '--ttl', '1h'], env)
    ).stdout.trim()
    const puller = await pullerOf('puller', { PARTNER_TOKEN: token })
    const local = puller.env
    await puller.run(puller.feedAdd('tls-partner'))

    const started = Date.now()
    const untrusted = await runCli(['pull'], local)
    expect(untrusted.code).toBe(1)
    expect(untrusted.stderr).toMatch(
      /tls-partner: failed.*\n.*unable to verify the first certificate/,
    )
    // a certificate that does not verify is not retried with backoff
    expect(Date.now() - started).toBeLessThan(15_000)

    const trusted = await runCli(['pull'], {
      ...local,
      NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'ca.pem'),
    })
    expect(trusted.code, trusted.stderr).toBe(0)
    expect(trusted.stderr).toMatch(/tls-partner: \w+, pulled 1 page/)
  }, 120_000)

  it('T-005 a feed presents its client certificate to a partner that bound its token to it', async () => {
    const bound = await tokenBoundToPartner('mtls-puller', '--read')
    const puller = await pullerOf('mtls', {
      PARTNER_TOKEN: bound,
      NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'ca.pem'),
    })
    const local = puller.env
    const feed = puller.feedAdd
    await puller.run(
      feed('with-cert', [
        '--client-cert',
        join(TLS_DIR, 'partner.pem'),
        '--client-key',
        join(TLS_DIR, 'partner.key'),
      ]),
    )
    await puller.run(feed('without-cert'))
    const listed = await runCli(['feeds', 'list', '--json'], local)
    expect(listed.stdout).toContain('client certificate')

    const refused = await runCli(['pull', 'without-cert'], local)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /without-cert: failed.*\n.*401 from .*the token is bound to a client certificate/,
    )
    const pulled = await runCli(['pull', 'with-cert'], local)
    expect(pulled.code, pulled.stderr).toBe(0)
    expect(pulled.stderr).toMatch(/with-cert: \w+, pulled 1 page/)

    const halfPair = await runCli(
      feed('half', ['--client-cert', join(TLS_DIR, 'partner.pem')]),
      local,
    )
    expect(halfPair.code).toBe(2)
    expect(halfPair.stderr).toMatch(/goes with its key/)
  }, 120_000)

  it('T-005 publish presents its client certificate to a hub that bound its token to it', async () => {
    const bound = await tokenBoundToPartner('mtls-publisher', '--write')
    const csv = join(dir, 'asns.csv')
    writeFileSync(csv, 'kind,value\nasn,AS64511\n')
    const publish = (certificate: string[]) =>
      runCli(
        [
          'publish',
          csv,
          '--url',
          `${hub.url.replace('127.0.0.1', 'localhost')}/hub/`,
          '--token-env',
          'PUBLISH_TOKEN',
          '--identity-name',
          'Example AI Lab',
          '--campaign',
          'HYDRA-0042 output harvesting',
          ...certificate,
        ],
        { PUBLISH_TOKEN: bound, NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'ca.pem') },
      )
    const refused = await publish([])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /HTTP 401 Authentication required \(the token is bound to a client certificate/,
    )
    const posted = await publish([
      '--client-cert',
      join(TLS_DIR, 'partner.pem'),
      '--client-key',
      join(TLS_DIR, 'partner.key'),
    ])
    expect(posted.code, posted.stderr).toBe(0)
    const half = await publish(['--client-key', join(TLS_DIR, 'partner.key')])
    expect(half.code).toBe(2)
    expect(half.stderr).toMatch(/--client-cert and --client-key go together/)
  })

  it('an admin command refuses a hub whose certificate is not the one its lock file names', async () => {
    const lockFile = join(dir, 'hydrawatch.lock')
    const original = readFileSync(lockFile, 'utf8')
    const lock = JSON.parse(original) as { cert_sha256: string }
    expect(lock.cert_sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    try {
      writeFileSync(
        lockFile,
        JSON.stringify({ ...lock, cert_sha256: lock.cert_sha256.replace(/^../, '00') }),
      )
      const listed = await runCli(['collections', 'list'], env)
      expect(listed.code).toBe(1)
      expect(listed.stderr).toMatch(/certificate other than the one it recorded/)
      expect(listed.stdout).toBe('')
    } finally {
      writeFileSync(lockFile, original, { mode: 0o600 })
    }
  })
})

describe('hydrawatch serve refuses TLS settings it cannot use', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-tls-bad-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['a certificate without its key', { HYDRAWATCH_TLS_CERT: CERT }, /go together/],
    ['a key without its certificate', { HYDRAWATCH_TLS_KEY: KEY }, /go together/],
    [
      'a certificate file that does not exist',
      { HYDRAWATCH_TLS_CERT: join(TLS_DIR, 'missing.pem'), HYDRAWATCH_TLS_KEY: KEY },
      /HYDRAWATCH_TLS_CERT: cannot read .*missing\.pem \(ENOENT\)/,
    ],
    [
      'a file that holds no certificate',
      { HYDRAWATCH_TLS_CERT: KEY, HYDRAWATCH_TLS_KEY: KEY },
      /holds no PEM certificate/,
    ],
    [
      'a key that does not belong to the certificate',
      { HYDRAWATCH_TLS_CERT: join(TLS_DIR, 'ca.pem'), HYDRAWATCH_TLS_KEY: KEY },
      /HYDRAWATCH_TLS_KEY: .*hub\.key does not serve .*ca\.pem/,
    ],
    [
      'client certificates without HTTPS',
      { HYDRAWATCH_TLS_CLIENT_CA: PARTNERS_CA },
      /HYDRAWATCH_TLS_CLIENT_CA needs HYDRAWATCH_TLS_CERT/,
    ],
    [
      'a client CA file that holds no certificate',
      { HYDRAWATCH_TLS_CERT: CERT, HYDRAWATCH_TLS_KEY: KEY, HYDRAWATCH_TLS_CLIENT_CA: KEY },
      /HYDRAWATCH_TLS_CLIENT_CA: .*hub\.key holds no PEM certificate/,
    ],
  ])('exits 2 with a message naming the setting for %s', async (_, tls, message) => {
    const r = await runCli(['serve', '--port', '0'], { HYDRAWATCH_DATA_DIR: dir, ...tls })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
  })
})
