import type { Deps } from './deps.js'

/**
 * Versions removed per transaction: each batch holds its collection's lock (and so its writers)
 * for one bounded delete, however much a first run after enabling retention finds.
 */
const RETENTION_BATCH = 5000

/**
 * Removes the object versions added longer ago than HYDRAWATCH_RETENTION from every collection
 * but the hub's built-in reference content (T-017), and returns how many. They leave every
 * listing at once, as deleted ones do (T-186), and each batch is audited with its count. A hub
 * serving runs this at start and every quarter hour; hubs sharing one database may run it at once.
 * It stops between batches once `stop` is aborted, so that a hub shutting down need not wait.
 */
export async function applyRetention(deps: Deps, stop?: AbortSignal): Promise<number> {
  const seconds = deps.config.retentionSeconds
  if (seconds === undefined) return 0
  let total = 0
  for (const root of await deps.store.listApiRoots()) {
    for (const collection of await deps.store.listCollections(root.pk)) {
      if (collection.builtin) continue
      for (;;) {
        if (stop?.aborted === true) return total
        const removed = await deps.store.expireVersions(
          collection.pk,
          seconds,
          RETENTION_BATCH,
          (n) => ({
            sub: null,
            action: 'expire_objects',
            api_root: root.name,
            collection_id: collection.id,
            details: { removed: n, retention_seconds: seconds },
          }),
        )
        if (removed > 0) deps.readAhead.invalidate(collection.pk)
        total += removed
        if (removed < RETENTION_BATCH) break
      }
    }
  }
  return total
}
