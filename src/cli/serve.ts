import type { AddressInfo } from 'node:net'
import { isIPv6 } from 'node:net'
import { claimLock, readLock } from '../admin/lock.js'
import type { Config } from '../config.js'
import { startServer, type RunningServer } from '../http/server.js'
import { migrateToLatest } from '../storage/migrate.js'
import { openDatabase } from '../storage/open-database.js'

const embeddedDir = (config: Config): string | undefined =>
  config.database.kind === 'pglite' && config.database.dataDir !== 'memory'
    ? config.database.dataDir
    : undefined

/** Where admin commands on this machine reach the hub: the bound address, loopback for any. */
function adminUrl(server: RunningServer): string {
  const { address, port } = server.app.server.address() as AddressInfo
  const host =
    address === '0.0.0.0' || address === '::'
      ? '127.0.0.1'
      : isIPv6(address)
        ? `[${address}]`
        : address
  return `${server.certFingerprint === undefined ? 'http' : 'https'}://${host}:${port}`
}

/** `hydrawatch serve`: runs until SIGINT/SIGTERM, then drains requests and closes cleanly. */
export async function serve(config: Config): Promise<void> {
  const dir = embeddedDir(config)
  const lock = dir === undefined ? undefined : claimLock(dir)
  let server: RunningServer
  try {
    server = await startServer(config, lock === undefined ? {} : { adminSecret: lock.secret })
  } catch (err) {
    lock?.release()
    throw err
  }
  lock?.publish(adminUrl(server), server.certFingerprint)
  process.stderr.write(
    `hydrawatch listening on ${server.url} (${config.database.kind === 'postgres' ? 'PostgreSQL' : `embedded database in ${dir ?? 'memory'}`}); discovery at ${server.deps.config.publicUrl}/taxii2/\n`,
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    server.app.log.info({ signal }, 'shutting down')
    const running = server
    running
      .close()
      .catch((err: unknown) => server.app.log.error({ err }, 'error while shutting down'))
      .finally(() => {
        lock?.release()
        process.exit(0)
      })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/** `hydrawatch migrate`. */
export async function migrateCommand(config: Config): Promise<void> {
  const dir = embeddedDir(config)
  const held = dir === undefined ? undefined : readLock(dir)
  if (held !== undefined && held.command === undefined) {
    process.stderr.write('a hub is running on this data directory; it migrated at start\n')
    return
  }
  const lock = dir === undefined ? undefined : claimLock(dir, 'migrate')
  const { db, close } = await openDatabase(config.database).catch((err: unknown) => {
    lock?.release()
    throw err
  })
  try {
    const { applied } = await migrateToLatest(db)
    process.stderr.write(
      applied.length === 0 ? 'schema is up to date\n' : `applied ${applied.join(', ')}\n`,
    )
  } finally {
    await close()
    lock?.release()
  }
}
