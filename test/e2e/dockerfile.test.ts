import { spawn, spawnSync } from 'node:child_process'
import { builtinModules } from 'node:module'
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * Issue deliverable 9. There is no Docker daemon to build the image with, so this checks the
 * Dockerfile's essentials as text, then plays its runtime stage on the file system: the files
 * it copies, its `npm ci`, its ENV and CMD, and its HEALTHCHECK command.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TLS_CERT = join(ROOT, 'test/fixtures/tls/hub.pem')
const TLS_KEY = join(ROOT, 'test/fixtures/tls/hub.key')

interface Instruction {
  op: string
  args: string
}

interface Stage {
  name: string
  image: string
  instructions: Instruction[]
}

/** Stages of a Dockerfile: continuation lines joined, comments dropped, global ARGs expanded. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  const args = new Map<string, string>()
  const stages: Stage[] = []
  for (const line of lines) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
    const instruction = { op: op.toUpperCase(), args: rest.replace(/\s+/g, ' ') }
    if (instruction.op === 'FROM') {
      const [image = '', , name = ''] = instruction.args
        .replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? '')
        .split(' ')
      stages.push({ name, image, instructions: [] })
    } else if (stages.length === 0 && instruction.op === 'ARG') {
      const [n = '', v = ''] = instruction.args.split('=')
      args.set(n, v)
    } else {
      stages.at(-1)?.instructions.push(instruction)
    }
  }
  return stages
}

const all = (stage: Stage, op: string) =>
  stage.instructions.filter((i) => i.op === op).map((i) => i.args)
const one = (stage: Stage, op: string) => {
  const found = all(stage, op)
  expect(found, `${stage.name}: one ${op}`).toHaveLength(1)
  return found[0]!
}

/** `ENV a=b c=d` lines of a stage as a record. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const args of all(stage, 'ENV')) {
    for (const pair of args.split(' ')) {
      const [k = '', v = ''] = pair.split('=')
      env[k] = v
    }
  }
  return env
}

interface Copy {
  from?: string
  sources: string[]
  dest: string
}

function copiesOf(stage: Stage): Copy[] {
  return all(stage, 'COPY').map((args) => {
    const words = args.split(' ')
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length)
    const paths = words.filter((w) => !w.startsWith('--'))
    return { ...(from !== undefined && { from }), sources: paths.slice(0, -1), dest: paths.at(-1)! }
  })
}

/** .dockerignore patterns as tests on a context path (a match excludes a directory's content). */
function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((p) => {
      const negated = p.startsWith('!')
      const glob = (negated ? p.slice(1) : p).replace(/\/+$/, '')
      const source = glob
        .split('**')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('.*')
      return { negated, re: new RegExp(`^${source}(/.*)?$`) }
    })
  return (path) => {
    let excluded = false
    for (const p of patterns) if (p.re.test(path.replace(/\/+$/, ''))) excluded = !p.negated
    return excluded
  }
}

/** Bare module specifiers imported anywhere in dist/. */
function bareImports(dir: string): Set<string> {
  const found = new Set<string>()
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue
    // doc comments show imports (`import { TaxiiClient } from 'hydrawatch'`) that never run
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8').replace(
      /\/\*[\s\S]*?\*\//g,
      '',
    )
    const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g
    for (const m of text.matchAll(re)) {
      const spec = m[1]!
      if (!spec.startsWith('.') && !spec.startsWith('/')) found.add(spec)
    }
  }
  return found
}

const packageName = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const stages = parseDockerfile(dockerfile)
const build = stages.find((s) => s.name === 'build')!
const runtime = stages.at(-1)!
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

describe('Dockerfile', () => {
  it('builds in one node:20 stage and runs from a second one', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime'])
    for (const s of stages) expect(s.image).toMatch(/^node:20(\.|-|$)/)
    const buildRuns = all(build, 'RUN').join(' && ')
    expect(buildRuns).toMatch(/\bnpm ci\b/)
    expect(buildRuns).toMatch(/\bnpm run build\b/)
  })

  it('installs production dependencies only, without running the package scripts', () => {
    const install = all(runtime, 'RUN').find((r) => /\bnpm ci\b/.test(r))
    expect(install).toBeDefined()
    expect(install).toContain('--omit=dev')
    // `prepare` builds with tsc, a devDependency
    expect(install).toContain('--ignore-scripts')
  })

  it('copies the build output, migrations and schemas into the runtime stage', () => {
    const copies = copiesOf(runtime)
    expect(copies).toContainEqual({ from: 'build', sources: ['/app/dist/'], dest: 'dist/' })
    const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources)
    expect(fromContext).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'migrations/', 'schemas/']),
    )
  })

  it('copies only context files that exist and that .dockerignore lets through', () => {
    const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'))
    const sources = stages.flatMap((s) =>
      copiesOf(s)
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    )
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true)
      expect(ignored(source), `${source} is excluded by .dockerignore`).toBe(false)
    }
    expect(readdirSync(join(ROOT, 'migrations')).some((f) => f.endsWith('.sql'))).toBe(true)
    for (const heavy of ['node_modules', 'dist', 'data', '.git', 'scratch']) {
      expect(ignored(heavy), `${heavy} stays out of the build context`).toBe(true)
    }
  })

  it('runs as a non-root user, listens on all interfaces on 8080, keeps data in a volume', () => {
    const user = one(runtime, 'USER')
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    const ops = runtime.instructions.map((i) => i.op)
    expect(ops.lastIndexOf('USER')).toBeGreaterThan(ops.lastIndexOf('RUN'))
    expect(envOf(runtime)).toMatchObject({
      HYDRAWATCH_HOST: '0.0.0.0',
      HYDRAWATCH_DATA_DIR: '/data',
    })
    expect(one(runtime, 'EXPOSE')).toBe('8080')
    expect(JSON.parse(one(runtime, 'VOLUME'))).toEqual(['/data'])
    expect(JSON.parse(one(runtime, 'CMD'))).toEqual(['node', 'dist/cli.js', 'serve'])
  })

  it('checks health with node alone (slim images have no curl)', () => {
    const healthcheck = one(runtime, 'HEALTHCHECK')
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[]
    expect(command[0]).toBe('node')
    expect(command.join(' ')).toContain('/healthz')
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/)
  })

  it('imports at run time only node built-ins and production dependencies', () => {
    const builtins = new Set(builtinModules)
    const outside = [...bareImports(join(ROOT, 'dist'))].filter(
      (spec) =>
        !spec.startsWith('node:') &&
        !builtins.has(spec) &&
        pkg.dependencies[packageName(spec)] === undefined,
    )
    expect(outside).toEqual([])
  })
})

/** The runtime stage replayed in a temporary directory standing for the image's WORKDIR. */
describe('Dockerfile runtime stage, replayed without Docker', () => {
  let image: string
  let data: string
  let installSeconds: number

  beforeAll(() => {
    image = mkdtempSync(join(tmpdir(), 'hw-image-'))
    data = mkdtempSync(join(tmpdir(), 'hw-image-data-'))
    const buildWorkdir = one(build, 'WORKDIR')
    for (const copy of copiesOf(runtime)) {
      for (const source of copy.sources) {
        // the build stage's files are this checkout's: `npm test` builds dist/ first
        const from = copy.from === undefined ? source : posix.relative(buildWorkdir, source)
        const file = !statSync(join(ROOT, from)).isDirectory()
        const to = join(image, copy.dest, file && copy.dest.endsWith('/') ? basename(from) : '')
        cpSync(join(ROOT, from), to, { recursive: true })
      }
    }
    // the stage's own `npm ci` command; --prefer-offline reuses the cache the checkout's install
    // filled, so this takes seconds
    const install = all(runtime, 'RUN')
      .flatMap((r) => r.split('&&'))
      .map((c) => c.trim())
      .find((c) => c.startsWith('npm ci'))!
    const started = Date.now()
    const npm = spawnSync('npm', [...install.split(' ').slice(1), '--prefer-offline'], {
      cwd: image,
      encoding: 'utf8',
      timeout: 120_000,
    })
    installSeconds = (Date.now() - started) / 1000
    if (npm.status !== 0) throw new Error(`npm ci failed: ${npm.stderr}`)
  }, 150_000)

  afterAll(() => {
    for (const dir of [image, data])
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('holds what the Dockerfile copies and the production dependencies only', () => {
    expect(existsSync(join(image, 'dist', 'cli.js'))).toBe(true)
    expect(existsSync(join(image, 'migrations'))).toBe(true)
    expect(existsSync(join(image, 'schemas'))).toBe(true)
    for (const dep of Object.keys(pkg.dependencies)) {
      expect(existsSync(join(image, 'node_modules', dep)), dep).toBe(true)
    }
    for (const dev of Object.keys(pkg.devDependencies)) {
      expect(existsSync(join(image, 'node_modules', dev)), dev).toBe(false)
    }
    console.info(`runtime npm ci took ${installSeconds.toFixed(1)} s`)
  })

  it.each([
    ['plain HTTP', {}],
    ['HTTPS (T-002)', { HYDRAWATCH_TLS_CERT: TLS_CERT, HYDRAWATCH_TLS_KEY: TLS_KEY }],
  ])(
    'serves %s with the image ENV and CMD, passes its HEALTHCHECK, and stops on SIGTERM',
    async (_, tls) => {
      const [command, ...args] = JSON.parse(one(runtime, 'CMD')) as string[]
      const env = {
        PATH: process.env.PATH ?? '',
        ...envOf(runtime),
        // the image's settings, except a free port and a scratch directory for the /data volume
        HYDRAWATCH_PORT: '0',
        HYDRAWATCH_DATA_DIR: data,
        HYDRAWATCH_LOG_LEVEL: 'warn',
        ...tls,
      }
      const child = spawn(command === 'node' ? process.execPath : command!, args, {
        cwd: image,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
      try {
        let stderr = ''
        const url = await new Promise<string>((resolve, reject) => {
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString()
            const m = /listening on (https?:\/\/\S+)/.exec(stderr)
            if (m !== null) resolve(m[1]!)
          })
          void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
        })
        const port = new URL(url).port
        const healthcheck = one(runtime, 'HEALTHCHECK')
        const probe = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[]
        const runProbe = () =>
          spawnSync(process.execPath, probe.slice(1), {
            cwd: image,
            env: { ...env, HYDRAWATCH_PORT: port },
            timeout: 10_000,
          }).status
        expect(runProbe()).toBe(0)

        child.kill('SIGTERM')
        expect(await exited).toBe(0)
        expect(existsSync(join(data, 'hydrawatch.lock'))).toBe(false)
        expect(runProbe()).toBe(1)
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    },
    60_000,
  )
})
