import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { DIALECTS } from '../helpers/db.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'

describe('hydrawatch discover', () => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(DIALECTS[0]!)
    token = await hub.token({ read: ['distillation-indicators'] })
  })
  afterAll(() => hub.close())

  it('T-201 T-202 lists the API roots and the collections the credentials see, with their rights', async () => {
    const r = await runCli(['discover', hub.url, '--token-env', 'PARTNER_TOKEN'], {
      PARTNER_TOKEN: token,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`discovery: ${hub.url}/taxii2/ (as given)`)
    expect(r.stdout).toContain(`${hub.url}/hub/ (default)`)
    const row = r.stdout.split('\n').find((line) => line.includes(hub.collection.id))
    expect(row).toMatch(/distillation-indicators\s+Distillation indicators\s+true\s+false$/)
  })

  it('prints the same as JSON', async () => {
    const r = await runCli(
      ['discover', `${hub.url}/taxii2/`, '--json', '--username', 'lab-a', '--password-env', 'P'],
      {
        P: token,
      },
    )
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.discovery_url).toBe(`${hub.url}/taxii2/`)
    const [root] = report.api_roots
    expect(root).toMatchObject({ url: `${hub.url}/hub/`, default: true })
    expect(root.collections).toContainEqual(
      expect.objectContaining({ id: hub.collection.id, can_read: true, can_write: false }),
    )
  })

  it('says which API root the credentials cannot read, and why', async () => {
    const r = await runCli(['discover', hub.url])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/not readable: .*HTTP 401/)
  })

  it('T-203 refuses plain HTTP to another machine, with exit 2', async () => {
    const r = await runCli(['discover', 'http://taxii.partner.example/taxii2/'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/plain HTTP to another machine.*--allow-plain-http/)
  })
})

describe('hydrawatch discover and API roots hosted elsewhere', () => {
  const tlsDir = fileURLToPath(new URL('../fixtures/tls/', import.meta.url))
  let hub: TestHub
  let elsewhere: Server
  const seen: (string | undefined)[] = []

  beforeAll(async () => {
    // a TAXII server elsewhere, which records the credentials it is sent
    elsewhere = createServer(
      { cert: readFileSync(join(tlsDir, 'hub.pem')), key: readFileSync(join(tlsDir, 'hub.key')) },
      (req, res) => {
        seen.push(req.headers.authorization)
        res.writeHead(401).end()
      },
    )
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve))
    const { port } = elsewhere.address() as AddressInfo
    hub = await startTestHub(DIALECTS[0]!, {
      HYDRAWATCH_ADVERTISED_API_ROOTS: `https://localhost:${port}/partner/`,
    })
  })
  afterAll(async () => {
    await hub?.close()
    elsewhere?.close()
  })

  it('T-070 lists them without sending them the credentials', async () => {
    const token = await hub.token({ read: ['*'] })
    const r = await runCli(['discover', `${hub.url}/taxii2/`, '--json', '--token-env', 'T'], {
      T: token,
      NODE_EXTRA_CA_CERTS: join(tlsDir, 'ca.pem'),
    })
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.api_roots).toHaveLength(2)
    expect(report.api_roots[0]).toMatchObject({ url: `${hub.url}/hub/`, default: true })
    expect(report.api_roots[0].collections.length).toBeGreaterThan(0)
    expect(report.api_roots[1]).toEqual({
      url: expect.stringMatching(/^https:\/\/localhost:\d+\/partner\/$/),
      default: false,
      hosted_elsewhere: true,
    })
    expect(seen).toEqual([])
  })
})
