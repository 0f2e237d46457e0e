import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { ConfigError, type TlsFiles } from '../config.js'

/**
 * What the hub accepts (T-002, T-004): TLS 1.2 and 1.3; in TLS 1.2 only ECDHE key exchange with
 * an AEAD cipher, so nothing on RFC 7540's Appendix A list (CBC suites, static RSA key exchange);
 * every TLS 1.3 suite is AEAD. Node's TLS server never accepts TLS 1.3 early data (T-003).
 */
const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':')

export interface TlsServerOptions {
  key: Buffer
  cert: Buffer
  minVersion: 'TLSv1.2'
  ciphers: string
  honorCipherOrder: true
  /**
   * With HYDRAWATCH_TLS_CLIENT_CA: every client is asked for a certificate, checked against these
   * CAs (T-005: PKIX), and one that sends none or an unverified one still connects, as tokens that
   * are not bound to a certificate need none (Sentinel's connector cannot send one); the request's
   * token decides (auth plugin, clientCertificateProblem).
   */
  ca?: Buffer
  requestCert?: true
  rejectUnauthorized?: false
}

export interface HubTls {
  options: TlsServerOptions
  /** SHA-256 fingerprint of the hub's own certificate, as X509Certificate gives it */
  fingerprint: string
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new ConfigError(`${variable}: cannot read ${file} (${reason})`)
  }
}

/** The first certificate of a PEM file's contents, or a ConfigError naming the setting. */
function certificateIn(variable: string, file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem)
  } catch {
    throw new ConfigError(`${variable}: ${file} holds no PEM certificate`)
  }
}

/**
 * Reads and checks the configured certificate and key, so that a wrong file stops `serve` with
 * a message naming it rather than failing the first handshake.
 */
export function readTls(files: TlsFiles): HubTls {
  const cert = readPem('HYDRAWATCH_TLS_CERT', files.certFile)
  const key = readPem('HYDRAWATCH_TLS_KEY', files.keyFile)
  const { fingerprint256: fingerprint } = certificateIn('HYDRAWATCH_TLS_CERT', files.certFile, cert)
  let ca: Buffer | undefined
  if (files.clientCaFile !== undefined) {
    ca = readPem('HYDRAWATCH_TLS_CLIENT_CA', files.clientCaFile)
    certificateIn('HYDRAWATCH_TLS_CLIENT_CA', files.clientCaFile, ca)
  }
  const options: TlsServerOptions = {
    key,
    cert,
    minVersion: 'TLSv1.2',
    ciphers: CIPHERS,
    honorCipherOrder: true,
    ...(ca !== undefined && { ca, requestCert: true, rejectUnauthorized: false }),
  }
  try {
    createSecureContext(options)
  } catch (err) {
    throw new ConfigError(
      `HYDRAWATCH_TLS_KEY: ${files.keyFile} does not serve ${files.certFile}: ${(err as Error).message}`,
    )
  }
  return { options, fingerprint }
}
