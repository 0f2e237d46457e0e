/**
 * The package root (`exports["."]` → dist/index.js) is what partners import: it must load neither
 * the server stack nor a database driver. Needs `npm run build` first, like the e2e tests.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SERVER_STACK =
  /\/node_modules\/(fastify|kysely|kysely-pglite-dialect|pg|@electric-sql\/pglite)\//

// Records every module the import resolves, ESM (through a resolve hook) and CommonJS (through
// the require cache, which CommonJS packages such as fastify fill when ESM imports them).
const PROBE = `
import { register, createRequire } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
import { setTimeout as sleep } from 'node:timers/promises'
const hooks = 'data:text/javascript,' + encodeURIComponent(\`
  let port
  export async function initialize(data) { port = data.port }
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context)
    port.postMessage(result.url)
    return result
  }\`)
const { port1, port2 } = new MessageChannel()
const seen = []
port1.on('message', (url) => seen.push(url))
register(hooks, import.meta.url, { data: { port: port2 }, transferList: [port2] })
const entry = process.argv[1]
const mod = await import(entry)
await sleep(100)
port1.close()
const cjs = Object.keys(createRequire(import.meta.url).cache).map((p) => 'file://' + p)
process.stdout.write(JSON.stringify({ exports: Object.keys(mod), loaded: [...seen, ...cjs] }))
`

function probe(entry: string): { exports: string[]; loaded: string[] } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, entry], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  })
  expect(run.status, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as { exports: string[]; loaded: string[] }
}

describe('package root (dist/index.js)', () => {
  it('exists where package.json exports "." points', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      exports: Record<string, string>
    }
    expect(pkg.exports['.']).toBe('./dist/index.js')
    expect(existsSync(`${ROOT}dist/index.js`), 'run `npm run build` first').toBe(true)
  })

  it('exports the client and the STIX helpers without loading fastify, kysely or a driver', () => {
    const { exports, loaded } = probe(`${ROOT}dist/index.js`)
    expect(exports).toEqual(
      expect.arrayContaining([
        'TaxiiClient',
        'CollectionClient',
        'TaxiiHttpError',
        'packEnvelopes',
        'timestampMinusMicrosecond',
        'checkPattern',
      ]),
    )
    // the probe does see the modules the client is made of
    expect(loaded.some((u) => u.endsWith('/dist/client/http.js'))).toBe(true)
    expect(loaded.some((u) => u.includes('/node_modules/p-retry/'))).toBe(true)
    expect(loaded.filter((u) => SERVER_STACK.test(u))).toEqual([])
  })

  it('the same probe sees fastify and kysely when the server is imported', () => {
    const { loaded } = probe(`${ROOT}dist/http/server.js`)
    const stack = loaded.filter((u) => SERVER_STACK.test(u))
    expect(stack.some((u) => u.includes('/node_modules/fastify/'))).toBe(true)
    expect(stack.some((u) => u.includes('/node_modules/kysely/'))).toBe(true)
  })
})
