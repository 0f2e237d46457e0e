import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { embeddedDataDir } from '../helpers/db.js'
import { indicator } from '../helpers/hub.js'

const TAXII = 'application/taxii+json;version=2.1'

describe('hydrawatch audit', () => {
  let dir: string
  let hub: ServingHub
  const cli = (args: string[]) => runCli(['--data-dir', join(dir, 'data'), ...args])

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hw-audit-'))
    embeddedDataDir(join(dir, 'data'))
    hub = await serveCli(['--data-dir', join(dir, 'data')])
  })
  afterAll(async () => {
    await hub?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('T-188 records admin changes, publications, deletions and refusals, newest first, without secrets', async () => {
    const writer = await cli([
      'token',
      'issue',
      '--sub',
      'lab-a',
      '--write',
      'distillation-indicators',
      '--read',
      'distillation-indicators',
    ])
    const reader = await cli([
      'token',
      'issue',
      '--sub',
      'lab-b',
      '--read',
      'distillation-indicators',
    ])
    expect(writer.code, writer.stderr).toBe(0)
    const created = await cli([
      'collections',
      'create',
      '--title',
      'Feedback',
      '--alias',
      'feedback',
    ])
    expect(created.code, created.stderr).toBe(0)

    const url = `${hub.url}/hub/collections/distillation-indicators/objects/`
    const post = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, accept: TAXII, 'content-type': TAXII },
        body: JSON.stringify({ objects: [indicator(1)] }),
      })
    expect((await post(writer.stdout.trim())).status).toBe(202)
    expect((await post(reader.stdout.trim())).status).toBe(403)
    const del = await fetch(`${url}${indicator(1).id}/`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${writer.stdout.trim()}`, accept: TAXII },
    })
    expect(del.status).toBe(200)

    const all = await cli(['audit', '--json'])
    expect(all.code, all.stderr).toBe(0)
    const events = JSON.parse(all.stdout) as Record<string, any>[]
    expect(events.map((e) => `${e.sub} ${e.action}`)).toEqual([
      'lab-a delete_object',
      'lab-b denied',
      'lab-a add_objects',
      'local-admin create_collection',
      'local-admin issue_token',
      'local-admin issue_token',
    ])
    expect(events[1]).toMatchObject({
      api_root: 'hub',
      details: { method: 'POST', reason: expect.stringMatching(/may not add objects/) },
    })
    expect(events[4]!.details).toMatchObject({
      token_sub: 'lab-b',
      read: ['distillation-indicators'],
    })
    expect(all.stdout).not.toContain(writer.stdout.trim())

    const denied = await cli(['audit', '--action', 'denied', '--json'])
    expect((JSON.parse(denied.stdout) as unknown[]).length).toBe(1)
    const bySub = await cli(['audit', '--sub', 'lab-a', '--limit', '1'])
    expect(bySub.stdout).toContain('delete_object')
    expect(bySub.stdout).not.toContain('add_objects')
    const future = await cli(['audit', '--since', '2999-01-01T00:00:00Z', '--json'])
    expect(JSON.parse(future.stdout)).toEqual([])
    const bad = await cli(['audit', '--since', 'yesterday'])
    expect(bad.code).toBe(2)
  })
})
