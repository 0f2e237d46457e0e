import { randomUUID } from 'node:crypto'
import { STIX_20_MEDIA_TYPE, STIX_21_MEDIA_TYPE } from '../media-types.js'
import type { Deps } from './deps.js'

export const DEFAULT_API_ROOT = 'hub'
export const DEFAULT_COLLECTION_ALIAS = 'distillation-indicators'
export const HUB_MEDIA_TYPES = [STIX_21_MEDIA_TYPE, STIX_20_MEDIA_TYPE]

/**
 * On a database with no API root at all, creates `hub` with one readable, writable collection so
 * the quick start has somewhere to publish; a database holding API roots is left alone (T-071).
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
  return true
}
