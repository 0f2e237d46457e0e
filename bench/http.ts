import http from 'node:http'

export const TAXII = 'application/taxii+json;version=2.1'

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  /** the body as received */
  bytes: Buffer
  /** the body decoded as UTF-8, on first use: pages the bench only counts are never decoded */
  readonly body: string
}

function reply(status: number, headers: http.IncomingHttpHeaders, bytes: Buffer): Reply {
  let body: string | undefined
  return {
    status,
    headers,
    bytes,
    get body() {
      body ??= bytes.toString('utf8')
      return body
    },
  }
}

export interface Client {
  get(path: string): Promise<Reply>
  post(path: string, body: string): Promise<Reply>
  close(): void
}

/**
 * A keep-alive client on node:http rather than fetch: undici's per-request overhead is several
 * times higher, and this process shares the machine's cores with the hub under test.
 */
export function createClient(base: string, token: string, timeoutMs = 120_000): Client {
  const url = new URL(base)
  if (url.hostname !== '127.0.0.1')
    throw new Error(`the bench only talks to 127.0.0.1, not ${base}`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const authorization = `Bearer ${token}`

  function request(method: string, path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: TAXII, authorization }
      let payload: Buffer | undefined
      if (body !== undefined) {
        payload = Buffer.from(body)
        headers['content-type'] = TAXII
        headers['content-length'] = String(payload.length)
      }
      const req = http.request(
        { host: '127.0.0.1', port: url.port, method, path, headers, agent, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () =>
            resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))),
          )
        },
      )
      req.on('timeout', () =>
        req.destroy(new Error(`no answer in ${timeoutMs} ms: ${method} ${path}`)),
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    close: () => agent.destroy(),
  }
}
