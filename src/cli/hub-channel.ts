import { request, type IncomingMessage, type RequestOptions } from 'node:http'
import { connect } from 'node:tls'
import type { HubLock } from '../admin/lock.js'

export class HubChannelError extends Error {
  override name = 'HubChannelError'
}

/**
 * A connection to the hub over TLS, handed over only once the handshake has shown the
 * certificate the lock names. Trust rests on that fingerprint alone: the channel's address
 * (127.0.0.1, say) need not be a name the certificate holds, and its CA need not be one this
 * process trusts. The request, which carries the lock's secret, is written only after the check.
 */
function pinnedConnection(
  host: string,
  port: number,
  fingerprint: string,
): RequestOptions['createConnection'] {
  return (_options, ready) => {
    const socket = connect({ host, port, rejectUnauthorized: false })
    const failed = (err: Error) => ready(err, socket)
    socket.once('error', failed)
    socket.once('secureConnect', () => {
      socket.off('error', failed)
      if (socket.getPeerX509Certificate()?.fingerprint256 === fingerprint) {
        ready(null, socket)
        return
      }
      socket.destroy()
      ready(
        new HubChannelError(
          `the hub at ${host}:${port} presented a certificate other than the one it recorded in its lock file`,
        ),
        socket,
      )
    })
    // Node's http client takes the socket from `ready` when none is returned
    return undefined
  }
}

/** POSTs `body` to the running hub that holds the data directory, as its lock file says. */
export function postToHub(
  lock: HubLock,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<IncomingMessage> {
  const url = new URL(path, lock.url)
  if (url.protocol === 'https:' && lock.cert_sha256 === undefined) {
    return Promise.reject(
      new HubChannelError('the lock file names an HTTPS hub but no certificate to trust'),
    )
  }
  // URL keeps an IPv6 address in brackets; sockets take it bare
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port)
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port,
      path: url.pathname,
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(url.protocol === 'https:' && {
        createConnection: pinnedConnection(host, port, lock.cert_sha256!),
      }),
    })
    req.once('response', resolve)
    req.once('error', reject)
    req.end(body)
  })
}
