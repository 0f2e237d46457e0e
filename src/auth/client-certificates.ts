import { createHash, X509Certificate } from 'node:crypto'
import type { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'

/**
 * Tokens bound to a client certificate (T-005, RFC 8705): the token's `cnf` claim holds the
 * certificate's thumbprint, and the hub accepts the token only over a connection on which the
 * client proved it holds that certificate's key, with the certificate issued by a CA the hub
 * trusts for partners (HYDRAWATCH_TLS_CLIENT_CA). A token copied out of a SIEM's configuration
 * is then useless without the partner's private key.
 */

/** RFC 8705 §3.1 `x5t#S256`: the base64url SHA-256 of the certificate's DER encoding. */
export const certificateThumbprint = (der: Buffer): string =>
  createHash('sha256').update(der).digest('base64url')

/** The thumbprint of the first certificate of a PEM text; throws if it holds none. */
export const pemThumbprint = (pem: string | Buffer): string =>
  certificateThumbprint(new X509Certificate(pem).raw)

/**
 * Why the connection of a request does not present the certificate `thumbprint` names, verified
 * against the partners' CAs; undefined when it does.
 */
export function clientCertificateProblem(socket: Socket, thumbprint: string): string | undefined {
  const bound = 'the token is bound to a client certificate (RFC 8705)'
  if (!(socket instanceof TLSSocket)) {
    return `${bound}, which only a connection to a hub serving HTTPS itself can present`
  }
  const cert = socket.getPeerCertificate()
  if (cert?.raw === undefined) return `${bound}: connect with that certificate`
  if (!socket.authorized) {
    return `the client certificate is not trusted: ${String(socket.authorizationError)}`
  }
  if (certificateThumbprint(cert.raw) !== thumbprint) {
    return `${bound}, and this connection presents another one`
  }
  return undefined
}
