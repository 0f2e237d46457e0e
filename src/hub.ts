import type { Config } from './config.js'
import { loadHubKeys } from './auth/keys.js'
import { BackgroundTasks } from './services/background.js'
import { BodyPool } from './services/body-pool.js'
import { EnvelopeChecks } from './services/envelope-checks.js'
import { ReadAhead } from './services/read-ahead.js'
import { ReadAheadLeases } from './services/read-ahead-leases.js'
import type { Deps } from './services/deps.js'
import { createObjectValidator, type ObjectValidator } from './stix/validate.js'
import { createAuditLog } from './storage/audit-log.js'
import { createFeedStore } from './storage/feed-store.js'
import { createKyselyStore } from './storage/kysely-store.js'
import { migrateToLatest } from './storage/migrate.js'
import { openDatabase } from './storage/open-database.js'
import { READ_AHEAD_LEASE_MS } from './storage/read-ahead-leases.js'

/**
 * Listing items held read ahead across all clients: 48,000 objects of ~800 bytes are ~38 MB, room
 * for three clients syncing at once, each with its pages ahead and the next run being read.
 */
const READ_AHEAD_ITEMS = 48_000
const READ_AHEAD_TTL_MS = 2000
/**
 * A client paging through a listing has pages of up to 8,000 objects in all read ahead: eight
 * pages of 1,000, or one of 8,000 or more.
 */
const READ_AHEAD_WALK_ITEMS = 8000

/**
 * Listing bodies from 64 kB (a page of ~80 objects) come from the pool, as whole bodies up to
 * 128 kB and beyond that as chunks of 128 kB, four in flight per response (http/send-page.ts); 32 MB
 * of them wait for reuse, room for 64 responses at once. A page to be compressed is taken whole
 * whatever its size, up to ~8 MB for 10,000 objects.
 */
const POOLED_BODY_BYTES = 64 * 1024
const POOL_BYTES = 32 * 1024 * 1024

/**
 * The ingest validator, compiled on its first object. Compiling every STIX schema takes ~0.3 s,
 * more than a whole `token issue` or `collections list` against PostgreSQL otherwise takes, and
 * most admin commands store no object.
 */
function onDemand(create: () => ObjectValidator): ObjectValidator {
  let validate: ObjectValidator | undefined
  return (value) => (validate ??= create())(value)
}

function startedChecks(): EnvelopeChecks {
  const checks = new EnvelopeChecks()
  checks.start()
  return checks
}

/**
 * Opens the configured database, brings its schema up to date and loads the hub's keys. A hub
 * that serves checks posted envelopes on a thread of its own (`checkThread`), started at once so
 * that no request waits for its validator to compile.
 */
export async function openHub(config: Config, opts: { checkThread: boolean }): Promise<Deps> {
  const { db } = await openDatabase(config.database)
  try {
    await migrateToLatest(db)
    const store = createKyselyStore(db)
    const keys = await loadHubKeys(store)
    return {
      store,
      feeds: createFeedStore(db),
      auditLog: createAuditLog(db),
      config,
      keys,
      validate: onDemand(createObjectValidator),
      ...(opts.checkThread && { checks: startedChecks() }),
      background: new BackgroundTasks(),
      readAhead: new ReadAhead(READ_AHEAD_ITEMS, READ_AHEAD_TTL_MS, READ_AHEAD_WALK_ITEMS),
      ...(config.database.kind === 'postgres' && {
        leases: new ReadAheadLeases((pk, ms) => store.leaseReadAhead(pk, ms), READ_AHEAD_LEASE_MS),
      }),
      bodies: new BodyPool(POOLED_BODY_BYTES, POOL_BYTES),
    }
  } catch (err) {
    await db.destroy()
    throw err
  }
}
