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

/**
 * A reply whose body was only counted: occurrences of a byte string, and its first bytes. A body
 * that is not a 200 is kept whole, for the error message.
 */
export interface CountedReply {
  status: number
  headers: http.IncomingHttpHeaders
  /** the first HEAD_BYTES of the body, or all of it if shorter */
  head: Buffer
  /** how often the mark occurs in the body */
  marks: number
  /** the body's length in bytes */
  length: number
  /** the whole body, for a reply that is not a 200 */
  error?: Reply
}

export const HEAD_BYTES = 1024

/**
 * Counts a mark in a body that arrives in chunks, keeping no chunk: the bench's client must cost
 * little next to the hub it measures, as the raw COPY-out baseline only counts rows. Gathering
 * each 770 kB page into one Buffer first made V8 run a mark-compact every few pages (external
 * memory pressure), which was 20% of a full sync's wall time.
 */
export class MarkCounter {
  readonly #mark: Buffer
  #carry = Buffer.alloc(0)
  count = 0

  constructor(mark: Buffer) {
    if (mark.length < 2) throw new RangeError('a mark of at least 2 bytes')
    this.#mark = mark
  }

  push(chunk: Buffer): void {
    const keep = this.#mark.length - 1
    // marks that start in the carried tail and end in this chunk: the joint is too short to hold
    // one that lies wholly on either side
    if (this.#carry.length > 0) {
      this.count += occurrences(Buffer.concat([this.#carry, chunk.subarray(0, keep)]), this.#mark)
    }
    this.count += occurrences(chunk, this.#mark)
    this.#carry = Buffer.from(
      chunk.length >= keep
        ? chunk.subarray(chunk.length - keep)
        : Buffer.concat([this.#carry, chunk]).subarray(-keep),
    )
  }
}

function occurrences(bytes: Buffer, mark: Buffer): number {
  let count = 0
  for (let i = bytes.indexOf(mark); i >= 0; i = bytes.indexOf(mark, i + mark.length)) count++
  return count
}

export interface Client {
  get(path: string): Promise<Reply>
  /** GET, counting `mark` in the body as it arrives instead of keeping it */
  count(path: string, mark: Buffer): Promise<CountedReply>
  post(path: string, body: string | Buffer): Promise<Reply>
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

  function request(method: string, path: string, body?: string | Buffer): Promise<Reply> {
    return send(method, path, body, (res, resolve) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))))
    })
  }

  function count(path: string, mark: Buffer): Promise<CountedReply> {
    return send('GET', path, undefined, (res, resolve) => {
      const status = res.statusCode ?? 0
      const chunks: Buffer[] = []
      const counter = new MarkCounter(mark)
      let head = Buffer.alloc(0)
      let length = 0
      res.on('data', (c: Buffer) => {
        if (status !== 200) chunks.push(c)
        if (head.length < HEAD_BYTES) {
          head = Buffer.concat([head, c.subarray(0, HEAD_BYTES - head.length)])
        }
        counter.push(c)
        length += c.length
      })
      res.on('end', () =>
        resolve({
          status,
          headers: res.headers,
          head,
          marks: counter.count,
          length,
          ...(status !== 200 && { error: reply(status, res.headers, Buffer.concat(chunks)) }),
        }),
      )
    })
  }

  function send<T>(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    receive: (res: http.IncomingMessage, resolve: (value: T) => void) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: TAXII, authorization }
      let payload: Buffer | undefined
      if (body !== undefined) {
        payload = typeof body === 'string' ? Buffer.from(body) : body
        headers['content-type'] = TAXII
        headers['content-length'] = String(payload.length)
      }
      const req = http.request(
        { host: '127.0.0.1', port: url.port, method, path, headers, agent, timeout: timeoutMs },
        (res) => {
          res.on('error', reject)
          receive(res, resolve)
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
    count,
    post: (path, body) => request('POST', path, body),
    close: () => agent.destroy(),
  }
}
