import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { embeddedDataDir } from '../helpers/db.js'
import { authorization, indicator, TAXII, type AuthForm } from '../helpers/hub.js'

const COLLECTION = '/hub/collections/distillation-indicators/'

interface LogLine {
  msg: string
  level: number
  reqId?: string
  req?: { method: string; url: string }
  res?: { statusCode: number }
  responseTime?: number
}

describe('hydrawatch serve: its log', () => {
  let dir: string
  let hub: ServingHub
  let token: string

  beforeAll(async () => {
    dir = embeddedDataDir()
    hub = await serveCli([], { HYDRAWATCH_DATA_DIR: dir, HYDRAWATCH_LOG_LEVEL: 'info' })
    const issued = await runCli(
      ['token', 'issue', '--sub', 'lab-a', '--read', '*', '--write', '*'],
      {
        HYDRAWATCH_DATA_DIR: dir,
      },
    )
    expect(issued.code).toBe(0)
    token = issued.stdout.trim()
  })
  afterAll(async () => {
    if (hub !== undefined && hub.child.exitCode === null) await hub.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The log's lines about requests to `path`, once there are `count` of them. */
  async function linesAbout(path: string, count: number): Promise<LogLine[]> {
    for (let i = 0; ; i++) {
      const lines = hub
        .stdout()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as LogLine)
        .filter((l) => l.req?.url.startsWith(path) === true || l.msg === 'incoming request')
      if (lines.length >= count || i > 100) return lines
      await sleep(20)
    }
  }

  it('writes one JSON line per request, as it completes, and never a credential', async () => {
    const forms: AuthForm[] = ['bearer', 'token', 'basic-password', 'basic-username']
    const statuses: number[] = []
    for (const form of forms) {
      const res = await fetch(`${hub.url}${COLLECTION}objects/`, {
        method: 'POST',
        headers: {
          accept: TAXII,
          'content-type': TAXII,
          authorization: authorization(token, form)!,
        },
        body: JSON.stringify({ objects: [indicator(forms.indexOf(form) + 1)] }),
      })
      statuses.push(res.status)
      await res.text()
    }
    const refused = await fetch(`${hub.url}${COLLECTION}manifest/?limit=2`, {
      headers: { accept: TAXII, authorization: `Bearer ${token.slice(0, -2)}xx` },
    })
    statuses.push(refused.status)
    await refused.text()
    expect(statuses).toEqual([202, 202, 202, 202, 401])

    const lines = await linesAbout(COLLECTION, statuses.length)
    expect(lines.map((l) => [l.msg, l.req?.method, l.res?.statusCode])).toEqual([
      ...forms.map(() => ['request completed', 'POST', 202]),
      ['request completed', 'GET', 401],
    ])
    expect(lines.at(-1)!.req!.url).toBe(`${COLLECTION}manifest/?limit=2`)
    for (const line of lines) {
      expect(line.level).toBe(30)
      expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/)
      expect(line.responseTime).toBeGreaterThan(0)
    }
    const log = hub.stdout()
    for (const form of forms) {
      const credentials = authorization(token, form)!.split(' ')[1]!
      expect(log).not.toContain(credentials)
    }
    expect(log).not.toContain(token.split('.')[2])
  })

  it('logs a page sent in chunks as it logs any other', async () => {
    const headers = { accept: TAXII, authorization: `Bearer ${token}` }
    const posted = await fetch(`${hub.url}${COLLECTION}objects/`, {
      method: 'POST',
      headers: { ...headers, 'content-type': TAXII },
      body: JSON.stringify({
        objects: [101, 102].map((n) => indicator(n, { description: 'x'.repeat(100_000) })),
      }),
    })
    expect(posted.status).toBe(202)
    await posted.text()
    // two 100 kB objects and the four above: larger than one 128 kB chunk (http/send-page.ts)
    const path = `${COLLECTION}objects/?limit=10`
    const page = await fetch(`${hub.url}${path}`, { headers })
    expect(page.status).toBe(200)
    expect((await page.arrayBuffer()).byteLength).toBeGreaterThan(128 * 1024)
    const [line] = (await linesAbout(path, 1)).filter((l) => l.req?.url === path)
    expect([line?.msg, line?.req?.method, line?.res?.statusCode]).toEqual([
      'request completed',
      'GET',
      200,
    ])
  })
})
