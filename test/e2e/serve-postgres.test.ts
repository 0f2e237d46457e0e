import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db.js'
import { TAXII } from '../helpers/hub.js'

describe.runIf(DIALECTS.includes('postgres'))('hydrawatch serve on PostgreSQL', () => {
  let database: TestDatabase
  let hub: ServingHub
  let token: string

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    hub = await serveCli([], { DATABASE_URL: database.url })
    const issued = await runCli(['token', 'issue', '--sub', 'lab', '--read', '*'], {
      DATABASE_URL: database.url,
    })
    token = issued.stdout.trim()
  })
  afterAll(async () => {
    if (hub !== undefined && hub.child.exitCode === null) await hub.stop()
    await database?.drop()
  })

  const collections = () =>
    fetch(`${hub.url}/hub/collections/`, {
      headers: { accept: TAXII, authorization: `Bearer ${token}` },
    })

  it('keeps serving when PostgreSQL ends its idle sessions (restart, failover, an admin)', async () => {
    expect((await collections()).status).toBe(200)
    const admin = new pg.Client({ connectionString: inject('pgUrl') })
    await admin.connect()
    try {
      const { rows } = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid()`,
        [new URL(database.url).pathname.slice(1)],
      )
      expect(rows[0]!.n).toBeGreaterThan(0)
    } finally {
      await admin.end()
    }
    await expect.poll(() => hub.stderr(), { timeout: 5000 }).toContain('closed an idle connection')
    await sleep(100)
    expect(hub.child.exitCode).toBeNull()
    expect((await collections()).status).toBe(200)
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
  })
})
