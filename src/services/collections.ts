import { scopeRights, type Principal } from '../auth/tokens.js'
import type { ApiRootRecord, CollectionRecord } from '../storage/store.js'

export interface EffectiveRights {
  visible: boolean
  can_read: boolean
  can_write: boolean
}

/** Token scope AND collection policy; visibility comes from the scope alone (T-042). */
export function effectiveRights(
  principal: Principal,
  apiRoot: ApiRootRecord,
  collection: CollectionRecord,
): EffectiveRights {
  const scope = scopeRights(principal, apiRoot.name, collection)
  return {
    visible: scope.visible,
    can_read: scope.read && collection.can_read,
    can_write: scope.write && collection.can_write,
  }
}

/** The TAXII collection resource (§5.2.1) as this caller sees it. */
export function collectionResource(c: CollectionRecord, rights: EffectiveRights) {
  return {
    id: c.id,
    title: c.title,
    ...(c.description !== null && { description: c.description }),
    ...(c.alias !== null && { alias: c.alias }),
    can_read: rights.can_read,
    can_write: rights.can_write,
    media_types: c.media_types,
  }
}
