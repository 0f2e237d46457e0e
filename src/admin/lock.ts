import { randomBytes } from 'node:crypto'
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * PGlite admits one process per data directory. `serve` records itself here (mode 0600) so
 * admin commands run meanwhile can reach it over loopback instead of opening the directory.
 */
export interface HubLock {
  pid: number
  url: string
  secret: string
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

/** The lock of a live hub on this directory, or undefined (a stale lock counts as none). */
export function readLock(dataDir: string): HubLock | undefined {
  let lock: HubLock
  try {
    lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as HubLock
  } catch {
    return undefined
  }
  return alive(lock.pid) && lock.pid !== process.pid ? lock : undefined
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError'
}

/** Claims the directory for this process; throws when a live hub already holds it. */
export function claimLock(dataDir: string): {
  secret: string
  publish(url: string): void
  release(): void
} {
  mkdirSync(dataDir, { recursive: true })
  const held = readLock(dataDir)
  if (held !== undefined) {
    throw new DataDirBusyError(`${dataDir} is in use by a hub (pid ${held.pid}) at ${held.url}`)
  }
  const secret = randomBytes(32).toString('base64url')
  const write = (url: string) => {
    const fd = openSync(lockPath(dataDir), 'w', 0o600)
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, url, secret } satisfies HubLock))
    } finally {
      closeSync(fd)
    }
  }
  write('')
  return {
    secret,
    publish: write,
    release: () => rmSync(lockPath(dataDir), { force: true }),
  }
}
