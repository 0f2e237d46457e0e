import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * PGlite admits one process per data directory, and a second one opening it can damage it. Every
 * process that opens the directory records itself here (mode 0600): `serve` with the loopback
 * URL admin commands run meanwhile go through, a command run directly with its name, so a hub
 * starting meanwhile refuses to open the directory instead of corrupting it.
 */
export interface HubLock {
  pid: number
  /** the running hub's admin URL; '' while it starts and for a command */
  url: string
  /** over HTTPS: the SHA-256 fingerprint of the certificate the hub serves, the only one trusted */
  cert_sha256?: string
  secret: string
  /** set when a command (`export`, `pull`...) rather than a hub holds the directory */
  command?: string
}

export const lockPath = (dataDir: string): string => join(dataDir, 'hydrawatch.lock')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parseLock(path: string): HubLock | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as HubLock
  } catch {
    return undefined
  }
}

/** The lock of a live process on this directory, or undefined (a stale lock counts as none). */
export function readLock(dataDir: string): HubLock | undefined {
  const lock = parseLock(lockPath(dataDir))
  return lock !== undefined && alive(lock.pid) && lock.pid !== process.pid ? lock : undefined
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError'
}

export function busyMessage(dataDir: string, held: HubLock): string {
  return held.command === undefined
    ? `${dataDir} is in use by a hub (pid ${held.pid})${held.url === '' ? ' that is starting' : ` at ${held.url}`}`
    : `${dataDir} is in use by \`hydrawatch ${held.command}\` (pid ${held.pid}); retry when it has finished`
}

export interface ClaimedLock {
  secret: string
  publish(url: string, certSha256?: string): void
  release(): void
}

/**
 * Claims the directory for this process; throws when a live process already holds it. The
 * record is written whole to a private file and linked into place, which fails if a lock exists,
 * so two processes starting at once cannot both claim it or read a half-written record.
 */
export function claimLock(dataDir: string, command?: string): ClaimedLock {
  mkdirSync(dataDir, { recursive: true })
  const path = lockPath(dataDir)
  const secret = randomBytes(32).toString('base64url')
  const record = (url: string, certSha256?: string): string =>
    JSON.stringify({
      pid: process.pid,
      url,
      ...(certSha256 !== undefined && { cert_sha256: certSha256 }),
      secret,
      ...(command !== undefined && { command }),
    })
  const staging = `${path}.${process.pid}`
  writeFileSync(staging, record(''), { mode: 0o600 })
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(staging, path)
        break
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const held = readLock(dataDir)
      if (held !== undefined || attempt > 0) {
        throw new DataDirBusyError(
          held === undefined ? `${dataDir} is in use` : busyMessage(dataDir, held),
        )
      }
      // left by a process that died without releasing it
      rmSync(path, { force: true })
    }
  } finally {
    rmSync(staging, { force: true })
  }
  return {
    secret,
    publish(url, certSha256) {
      writeFileSync(staging, record(url, certSha256), { mode: 0o600 })
      renameSync(staging, path)
    },
    release: () => {
      if (parseLock(path)?.secret === secret) rmSync(path, { force: true })
    },
  }
}
