import { existsSync, readFileSync, rmSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { embeddedDataDir } from '../helpers/db.js'
import { indicator, TAXII } from '../helpers/hub.js'

const OBJECTS = '/hub/collections/distillation-indicators/objects/'

/** A POST whose body is sent in two parts, so the test decides when the request can finish. */
function slowPost(url: string, token: string, body: string) {
  const bytes = Buffer.from(body)
  const half = Math.floor(bytes.length / 2)
  let finish!: () => void
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          accept: TAXII,
          'content-type': TAXII,
          'content-length': String(bytes.length),
          authorization: `Bearer ${token}`,
        },
      },
      (res: IncomingMessage) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.write(bytes.subarray(0, half))
    finish = () => req.end(bytes.subarray(half))
  })
  // awaited later; a failure before then must fail the test, not surface as unhandled
  response.catch(() => undefined)
  return { response, finish: () => finish() }
}

/** Whether a new connection still gets a normal answer (false: refused, reset or 503). */
async function acceptsNewRequests(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}

describe('hydrawatch serve', () => {
  let dir: string
  let hub: ServingHub

  beforeAll(async () => {
    dir = embeddedDataDir()
    hub = await serveCli([], { HYDRAWATCH_DATA_DIR: dir })
  })
  afterAll(async () => {
    if (hub !== undefined && hub.child.exitCode === null) await hub.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers GET /healthz with 200', async () => {
    const res = await fetch(`${hub.url}/healthz`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  // last: it stops the hub
  it('on SIGTERM finishes the request in flight, exits 0 and removes its lock file', async () => {
    const lockFile = join(dir, 'hydrawatch.lock')
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({
      pid: hub.child.pid,
      url: hub.url,
    })
    const issued = await runCli(['token', 'issue', '--sub', 'lab-a', '--write', '*'], {
      HYDRAWATCH_DATA_DIR: dir,
    })
    expect(issued.code).toBe(0)
    const exited = new Promise<number | null>((r) => hub.child.on('close', (code) => r(code)))

    const post = slowPost(
      `${hub.url}${OBJECTS}`,
      issued.stdout.trim(),
      JSON.stringify({ objects: [indicator(1)] }),
    )
    await sleep(300) // the hub has the headers and half the body
    hub.child.kill('SIGTERM')
    // shutdown has begun: new connections are turned away while ours is still open
    for (let i = 0; i < 50 && (await acceptsNewRequests(hub.url)); i++) await sleep(20)
    expect(await acceptsNewRequests(hub.url)).toBe(false)
    expect(hub.child.exitCode).toBeNull()
    expect(existsSync(lockFile)).toBe(true)

    post.finish()
    const res = await post.response
    expect(res.status).toBe(202)
    expect(JSON.parse(res.text)).toMatchObject({ status: 'complete', success_count: 1 })
    expect(await exited).toBe(0)
    expect(existsSync(lockFile)).toBe(false)
  })
})
