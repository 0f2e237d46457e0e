import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CredentialError,
  credentialRefs,
  describeRefs,
  resolveCredentials,
} from '../../../src/sync/credentials.js'

const TLS_DIR = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url))
const CERT = join(TLS_DIR, 'partner.pem')
const KEY = join(TLS_DIR, 'partner.key')

describe('feed credentials with a client certificate (T-005)', () => {
  it('keeps the paths of the certificate and its key beside the token reference', () => {
    const refs = credentialRefs({ tokenEnv: 'LAB_TOKEN', clientCert: CERT, clientKey: KEY })
    expect(refs).toEqual({
      kind: 'bearer',
      token_env: 'LAB_TOKEN',
      client_cert_file: CERT,
      client_key_file: KEY,
    })
    expect(describeRefs(refs)).toBe(`token from $LAB_TOKEN, client certificate ${CERT}`)
  })

  it('refuses a certificate without its key, and a key without its certificate', () => {
    expect(() => credentialRefs({ clientCert: CERT })).toThrow(CredentialError)
    expect(() => credentialRefs({ clientKey: KEY })).toThrow(/goes with its key/)
  })

  it('reads the files when the feed runs, and says which one it cannot read', () => {
    const refs = credentialRefs({ clientCert: CERT, clientKey: KEY })
    const resolved = resolveCredentials(refs, {})
    expect(resolved.kind).toBe('none')
    expect(String(resolved.certificate?.cert)).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(String(resolved.certificate?.key)).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(() =>
      resolveCredentials({ ...refs, client_key_file: join(TLS_DIR, 'missing.key') }, {}),
    ).toThrow(/client key: cannot read .*missing\.key/)
  })
})
