import type { Principal } from '../auth/tokens.js'
import type { EffectiveRights } from '../services/collections.js'
import type { CollectionContext } from '../services/objects.js'
import type { ApiRootRecord, CollectionRecord } from '../storage/store.js'

/** What the guard resolved before the handler runs. */
export interface TaxiiRequestState {
  principal?: Principal
  apiRoot?: ApiRootRecord
  collection?: CollectionRecord
  rights?: EffectiveRights
}

export type Access = 'public' | 'authenticated' | 'read' | 'write' | 'delete'

/** Per-route configuration read by the guard. */
export interface TaxiiRouteConfig {
  taxii: true
  allow: string[]
  access: Partial<Record<string, Access>>
}

declare module 'fastify' {
  interface FastifyRequest {
    taxii: TaxiiRequestState
  }
  interface FastifyContextConfig {
    taxii?: true
    allow?: string[]
    access?: Partial<Record<string, Access>>
  }
}

export function collectionContext(state: TaxiiRequestState): CollectionContext {
  const { principal, apiRoot, collection } = state
  if (principal === undefined || apiRoot === undefined || collection === undefined) {
    throw new TypeError('collection route reached without a resolved collection')
  }
  return { principal, apiRoot, collection }
}
