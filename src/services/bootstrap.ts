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
 * built-in content; a database holding API roots is left alone (T-071).
 */
export async function bootstrapDefaultApiRoot(deps: Deps): Promise<boolean> {
  if ((await deps.store.listApiRoots()).length > 0) return false
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
  const objects = REFERENCE_OBJECTS.map((o, i) => ({
    ...describeObject(o, i).meta!,
    body: JSON.stringify(o),
  }))
  await deps.store.addObjects(reference.pk, objects, () => undefined)
  return true
}
