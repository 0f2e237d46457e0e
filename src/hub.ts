import type { Config } from './config.js'
import { loadHubKeys } from './auth/keys.js'
import { BackgroundTasks } from './services/background.js'
import { ReadAhead } from './services/read-ahead.js'
import type { Deps } from './services/deps.js'
import { createObjectValidator } from './stix/validate.js'
import { createAuditLog } from './storage/audit-log.js'
import { createFeedStore } from './storage/feed-store.js'
import { createKyselyStore } from './storage/kysely-store.js'
import { migrateToLatest } from './storage/migrate.js'
import { openDatabase } from './storage/open-database.js'

/**
 * Listing items held read ahead across all clients: 20,000 objects of ~800 bytes are ~16 MB,
 * room for 20 clients syncing pages of 1,000 at once.
 */
const READ_AHEAD_ITEMS = 20_000
const READ_AHEAD_TTL_MS = 2000

/** Opens the configured database, brings its schema up to date and loads the hub's keys. */
export async function openHub(config: Config): Promise<Deps> {
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
      validate: createObjectValidator(),
      background: new BackgroundTasks(),
      readAhead: new ReadAhead(READ_AHEAD_ITEMS, READ_AHEAD_TTL_MS),
    }
  } catch (err) {
    await db.destroy()
    throw err
  }
}
