import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestDatabase, DIALECTS, embeddedDataDir } from '../helpers/db.js'
import { CLI, runCli, serveCli, type ServingHub } from '../helpers/cli.js'
import { TAXII } from '../helpers/hub.js'
import { claimLock } from '../../src/admin/lock.js'

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/

async function get(url: string, token: string) {
  const res = await fetch(url, { headers: { accept: TAXII, authorization: `Bearer ${token}` } })
  return { status: res.status, json: (await res.json()) as any }
}

// npx runs the bin itself: a build that leaves it without x bits works only where npm exec
// happens to chmod it (not in a fresh clone at a path npx has already used)
it('the build leaves the hydrawatch bin executable', () => {
  expect(statSync(CLI).mode & 0o111).toBe(0o111)
})

describe('hydrawatch CLI with the embedded database', { timeout: 180_000 }, () => {
  let dir: string
  let hub: ServingHub | undefined
  const env = () => ({ HYDRAWATCH_DATA_DIR: dir })

  afterEach(async () => {
    await hub?.stop()
    hub = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  it('T-052 issues a token before the first serve, and serve accepts it', async () => {
    dir = embeddedDataDir()
    const issued = await runCli(['token', 'issue', '--sub', 'lab-a', '--read', '*'], env())
    expect(issued.code).toBe(0)
    expect(issued.stdout).toMatch(JWT)
    expect(issued.stderr).toContain('lab-a')
    hub = await serveCli([], env())
    const token = issued.stdout.trim()
    const res = await get(`${hub.url}/hub/collections/`, token)
    expect(res.status).toBe(200)
    expect(res.json.collections[0]).toMatchObject({
      alias: 'distillation-indicators',
      can_read: true,
      can_write: false,
    })
  })

  it('takes an empty variable as unset, as .env.example leaves DATABASE_URL', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hw-cli-'))
    const migrated = await runCli(['migrate'], {
      ...env(),
      DATABASE_URL: '',
      HYDRAWATCH_PORT: '',
    })
    expect(migrated.stderr).toContain('applied 0001_init')
    expect(migrated.code).toBe(0)
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true)
  })

  it('routes admin commands through the hub that holds the data directory', async () => {
    dir = embeddedDataDir()
    hub = await serveCli([], env())
    expect(existsSync(join(dir, 'hydrawatch.lock'))).toBe(true)
    const created = await runCli(
      [
        'collections',
        'create',
        '--title',
        'Proxy ranges',
        '--alias',
        'proxy-ranges',
        '--policy',
        'read-only',
      ],
      env(),
    )
    expect(created.code).toBe(0)
    const id = created.stdout.trim()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const issued = await runCli(
      ['token', 'issue', '--sub', 'lab-b', '--admin', 'proxy-ranges'],
      env(),
    )
    expect(issued.code).toBe(0)
    const res = await get(`${hub.url}/hub/collections/${id}/`, issued.stdout.trim())
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ id, alias: 'proxy-ranges', can_read: true, can_write: false })
    const listed = await runCli(['collections', 'list', '--json'], env())
    const shown = JSON.parse(listed.stdout).find(
      (c: { alias: string }) => c.alias === 'proxy-ranges',
    )
    // what a user can use: no database row keys
    expect(Object.keys(shown).sort()).toEqual([
      'alias',
      'api_root',
      'builtin',
      'can_read',
      'can_write',
      'description',
      'id',
      'media_types',
      'require_attribution',
      'title',
    ])
    const roots = await runCli(['api-roots', 'list', '--json'], env())
    expect(JSON.parse(roots.stdout)[0]).not.toHaveProperty('pk')
  })

  it('refuses a second serve on a held data directory with exit code 3', async () => {
    dir = embeddedDataDir()
    hub = await serveCli([], env())
    const second = await runCli(['serve', '--port', '0'], env())
    expect(second.code).toBe(3)
    expect(second.stderr).toContain('in use by a hub')
  })

  it('refuses serve and other commands while a command holds the data directory, and takes over a stale lock', async () => {
    dir = embeddedDataDir()
    // this test process stands for a long `hydrawatch export` opened on the directory directly
    const held = claimLock(dir, 'export')
    try {
      const serve = await runCli(['serve', '--port', '0'], env())
      expect(serve.code).toBe(3)
      expect(serve.stderr).toContain('in use by `hydrawatch export`')
      const list = await runCli(['collections', 'list'], env())
      expect(list.code).toBe(3)
      expect(list.stderr).toContain('retry when it has finished')
    } finally {
      held.release()
    }
    expect(existsSync(join(dir, 'hydrawatch.lock'))).toBe(false)
    const dead = spawnSync(process.execPath, ['-e', ''])
    writeFileSync(
      join(dir, 'hydrawatch.lock'),
      JSON.stringify({ pid: dead.pid, url: '', secret: 'x', command: 'export' }),
    )
    hub = await serveCli([], env())
    expect(JSON.parse(readFileSync(join(dir, 'hydrawatch.lock'), 'utf8'))).toMatchObject({
      pid: hub.child.pid,
    })
  })

  it('exits 2 on usage errors and 1 on failed operations', async () => {
    dir = embeddedDataDir()
    const missing = await runCli(['token', 'issue', '--read', '*'], env())
    expect(missing.code).toBe(2)
    expect(missing.stdout).toBe('')
    const noScope = await runCli(['token', 'issue', '--sub', 'x'], env())
    expect(noScope.code).toBe(2)
    expect(noScope.stderr).toContain('give at least one of --read, --write or --admin')
    const badTtl = await runCli(
      ['token', 'issue', '--sub', 'x', '--read', '*', '--ttl', 'soon'],
      env(),
    )
    expect(badTtl.code).toBe(2)
    const tinyBodies = await runCli(
      ['api-roots', 'create', 'tiny', '--title', 'T', '--max-content-length', '10'],
      env(),
    )
    expect(tinyBodies.code).toBe(2)
    expect(tinyBodies.stderr).toContain('from 1024 to 2147483647')
    const unknownCollection = await runCli(
      ['token', 'issue', '--sub', 'x', '--read', 'nope'],
      env(),
    )
    expect(unknownCollection.code).toBe(1)
    expect(unknownCollection.stdout).toBe('')
    expect(unknownCollection.stderr).toContain('no collection "nope" in any API root')
    const noRoot = await runCli(
      ['collections', 'create', '--title', 'X', '--api-root', 'nope'],
      env(),
    )
    expect(noRoot.code).toBe(1)
    expect(noRoot.stderr).toContain('no API root named "nope"')
  })
})

describe.each(DIALECTS.filter((d) => d === 'postgres'))(
  'hydrawatch CLI with DATABASE_URL (%s)',
  (dialect) => {
    it('T-052 hub processes sharing one PostgreSQL agree on the signing key', async () => {
      const db = await createTestDatabase(dialect)
      const env = { DATABASE_URL: db.url }
      try {
        const issued = await runCli(['token', 'issue', '--sub', 'lab-c', '--read', '*'], env)
        expect(issued.code).toBe(0)
        const hub = await serveCli([], env)
        try {
          const res = await get(`${hub.url}/hub/collections/`, issued.stdout.trim())
          expect(res.status).toBe(200)
        } finally {
          expect(await hub.stop()).toBe(0)
        }
      } finally {
        await db.drop()
      }
    })
  },
)
