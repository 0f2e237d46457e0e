import { randomUUID } from 'node:crypto'
import { STIX_20_MEDIA_TYPE, STIX_21_MEDIA_TYPE } from '../media-types.js'
import { describeObject } from '../stix/common.js'
import type { Deps } from './deps.js'
import { REFERENCE_OBJECTS } from './reference-content.js'

export const DEFAULT_API_ROOT = 'hub'
export const DEFAULT_COLLECTION_ALIAS = 'distillation-indicators'
export const HUB_MEDIA_TYPES = [STIX_21_MEDIA_TYPE, STIX_20_MEDIA_TYPE]

export const REFERENCE_COLLECTION_ALIAS = 'reference'

/**
 * On a database with no API root at all, creates `hub` with one readable, writable collection so
 * the quick start has somewhere to publish, and a read-only `reference` collection holding the
 * built-in content (T-071). A database holding API roots keeps them as they are, except that the
 * built-in `reference` collection gets the built-in objects it lacks (content added by later hub
 * versions). Returns whether it created `hub`.
 */
export async function bootstrapDefaultApiRoot(deps: Deps): Promise<boolean> {
  if ((await deps.store.listApiRoots()).length > 0) {
    await topUpReferenceCollection(deps)
    return false
  }
  const root = await deps.store.createApiRoot({
    name: DEFAULT_API_ROOT,
    title: 'Distillation sharing hub',
    description: 'Indicators of distillation attacks shared between AI labs and cloud providers',
    max_content_length: deps.config.maxContentLength,
    is_default: true,
  })
  await deps.store.createCollection(root.pk, {
    id: randomUUID(),
    alias: DEFAULT_COLLECTION_ALIAS,
    title: 'Distillation indicators',
    description: 'Shared indicators of hydra clusters: proxy ranges, ASNs, keyed identifiers',
    can_read: true,
    can_write: true,
    media_types: HUB_MEDIA_TYPES,
  })
  const reference = await deps.store.createCollection(root.pk, {
    id: randomUUID(),
    alias: REFERENCE_COLLECTION_ALIAS,
    title: 'Reference',
    description: 'Objects every partner may refer to: the TLP marking-definitions and extension',
    can_read: true,
    can_write: false,
    media_types: HUB_MEDIA_TYPES,
    builtin: true,
  })
  await addReferenceObjects(deps, reference.pk)
  return true
}

/** Stored versions are duplicates (T-137): adding everything again writes only what is missing. */
async function addReferenceObjects(deps: Deps, collectionPk: string): Promise<void> {
  const objects = REFERENCE_OBJECTS.map((o, i) => ({
    ...describeObject(o, i).meta!,
    body: JSON.stringify(o),
  }))
  await deps.store.addObjects(collectionPk, objects, () => undefined)
}

/**
 * Only the collection the hub created as built-in is topped up: an API root or collection that was
 * imported (a medallion file, another hub's `hub` restored under a different flag) never gets
 * built-in content.
 */
async function topUpReferenceCollection(deps: Deps): Promise<void> {
  const root = await deps.store.getApiRoot(DEFAULT_API_ROOT)
  if (root === undefined) return
  const reference = await deps.store.findCollection(root.pk, REFERENCE_COLLECTION_ALIAS)
  if (reference?.builtin === true) await addReferenceObjects(deps, reference.pk)
}
