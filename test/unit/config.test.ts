import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'

describe('loadConfig: TLS', () => {
  it('serves plain HTTP and advertises http:// when no certificate is given', () => {
    const config = loadConfig({ HYDRAWATCH_PORT: '8080' })
    expect(config.tls).toBeUndefined()
    expect(config.publicUrl).toBe('http://127.0.0.1:8080')
  })

  it('T-001 advertises https:// by default once a certificate and key are given', () => {
    const config = loadConfig({ HYDRAWATCH_TLS_CERT: 'c.pem', HYDRAWATCH_TLS_KEY: 'k.pem' })
    expect(config.publicUrl).toBe('https://127.0.0.1:8080')
    expect(config.tls?.certFile).toMatch(/\/c\.pem$/)
    expect(config.tls?.keyFile).toMatch(/\/k\.pem$/)
  })

  it('T-005 takes the CAs of client certificates only with the certificate and key', () => {
    expect(loadConfig({}).tls).toBeUndefined()
    const config = loadConfig(
      { HYDRAWATCH_TLS_CLIENT_CA: 'partners.pem' },
      { tlsCert: 'c.pem', tlsKey: 'k.pem' },
    )
    expect(config.tls?.clientCaFile).toMatch(/\/partners\.pem$/)
    expect(loadConfig({}, { tlsCert: 'c.pem', tlsKey: 'k.pem' }).tls?.clientCaFile).toBeUndefined()
    expect(() => loadConfig({}, { tlsClientCa: 'partners.pem' })).toThrow(
      /HYDRAWATCH_TLS_CLIENT_CA needs HYDRAWATCH_TLS_CERT/,
    )
  })

  it('keeps an explicit public URL whatever the listener', () => {
    const config = loadConfig(
      { HYDRAWATCH_PUBLIC_URL: 'https://taxii.hub.example/' },
      { tlsCert: 'c.pem', tlsKey: 'k.pem' },
    )
    expect(config.publicUrl).toBe('https://taxii.hub.example')
  })

  it.each([
    ['taxii.hub.example', /is not an absolute URL/],
    ['ftp://taxii.hub.example/', /is not http or https/],
    ['https://taxii.hub.example/?x=1', /query or fragment/],
    ['https://taxii.hub.example/?', /query or fragment/],
    ['https://taxii.hub.example/#', /query or fragment/],
  ])('T-069 refuses the public URL %s, naming the variable', (raw, message) => {
    const load = () => loadConfig({ HYDRAWATCH_PUBLIC_URL: raw })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/^HYDRAWATCH_PUBLIC_URL: /)
    expect(load).toThrow(message)
  })

  it.each([
    [{ HYDRAWATCH_TLS_CERT: 'c.pem' }, {}],
    [{}, { tlsKey: 'k.pem' }],
  ])('refuses a certificate without a key or a key without a certificate', (env, overrides) => {
    expect(() => loadConfig(env, overrides)).toThrow(ConfigError)
    expect(() => loadConfig(env, overrides)).toThrow(/give both or neither/)
  })
})

describe('loadConfig: retention', () => {
  it('T-017 keeps every version unless HYDRAWATCH_RETENTION is set', () => {
    expect(loadConfig({}).retentionSeconds).toBeUndefined()
    expect(loadConfig({ HYDRAWATCH_RETENTION: '180d' }).retentionSeconds).toBe(180 * 86400)
    expect(
      loadConfig({ HYDRAWATCH_RETENTION: '180d' }, { retention: '12h' }).retentionSeconds,
    ).toBe(12 * 3600)
  })

  it.each(['soon', '0', '-5d', '1y'])('refuses the retention %s, naming the variable', (value) => {
    expect(() => loadConfig({ HYDRAWATCH_RETENTION: value })).toThrow(
      /^HYDRAWATCH_RETENTION: .*duration/,
    )
  })
})

describe('loadConfig: API roots hosted elsewhere', () => {
  const advertised = (raw: string) =>
    loadConfig({ HYDRAWATCH_ADVERTISED_API_ROOTS: raw }).advertisedApiRoots

  it('T-070 advertises none unless HYDRAWATCH_ADVERTISED_API_ROOTS is set', () => {
    expect(loadConfig({}).advertisedApiRoots).toEqual([])
  })

  it('T-070 takes https URLs separated by commas or spaces, each ending in a slash', () => {
    expect(
      advertised('https://taxii.partner.example/shared/, https://cti.lab.example:8443/api1\n'),
    ).toEqual(['https://taxii.partner.example/shared/', 'https://cti.lab.example:8443/api1/'])
  })

  it.each([
    ['http://taxii.partner.example/shared/', /is not https/],
    ['taxii.partner.example/shared/', /is not an absolute URL/],
    ['https://taxii.partner.example/shared/?x=1', /query or fragment/],
    ['https://taxii.partner.example/shared/?', /query or fragment/],
    ['https://taxii.partner.example/shared/#top', /query or fragment/],
  ])('T-069 refuses %s', (raw, message) => {
    expect(() => advertised(raw)).toThrow(ConfigError)
    expect(() => advertised(raw)).toThrow(message)
  })
})

describe('loadConfig: listener and logging', () => {
  it.each(['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'hub.lab.example', 'hub-1'])(
    'listens on %s',
    (host) => {
      expect(loadConfig({ HYDRAWATCH_HOST: host }).host).toBe(host)
    },
  )

  it.each(['999.1.1.1', '1.2.3', 'hub_1.example', 'http://hub', ' hub', '-hub.example'])(
    'refuses the host %s, naming HYDRAWATCH_HOST (not the public URL made from it)',
    (host) => {
      expect(() => loadConfig({ HYDRAWATCH_HOST: host })).toThrow(ConfigError)
      expect(() => loadConfig({ HYDRAWATCH_HOST: host })).toThrow(/^HYDRAWATCH_HOST: /)
    },
  )

  it('takes the pino log levels and refuses others, naming the variable', () => {
    expect(loadConfig({ HYDRAWATCH_LOG_LEVEL: 'debug' }).logLevel).toBe('debug')
    expect(loadConfig({}).logLevel).toBe('info')
    expect(() => loadConfig({ HYDRAWATCH_LOG_LEVEL: 'loud' })).toThrow(
      'HYDRAWATCH_LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
    )
  })
})
