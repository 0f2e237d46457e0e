import type { FastifyRequest } from 'fastify'
import { forbidden, notFound, TaxiiError } from '../../errors.js'
import { acceptsTaxii21, isTaxiiContentType } from '../../media-types.js'
import { effectiveRights } from '../../services/collections.js'
import type { Deps } from '../../services/deps.js'
import { storable } from '../../storage/store.js'
import { authenticate } from './auth.js'

const COLLECTION_NOT_FOUND = 'no such collection in this API root, or it is not shared with you'

/**
 * Every check that comes before a TAXII handler, in the order of T-062: authentication (401),
 * API root and collection visibility (404), method (405), Accept (406), for POST Content-Type
 * (415) and declared size (413), then permission (403). Handlers then parse query parameters
 * (400) and bodies (400/422).
 */
export function taxiiGuard(deps: Deps) {
  return async function guard(request: FastifyRequest): Promise<void> {
    const config = request.routeOptions.config
    if (config.taxii !== true) return
    const method = request.method === 'HEAD' ? 'GET' : request.method
    const access = config.access?.[method]
    const params = request.params as Record<string, string | undefined>
    const state = request.taxii

    // Discovery is public (T-037) whatever the method, so a POST there is a 405, not a 401.
    const isPublic = Object.values(config.access ?? {}).includes('public')
    if (!isPublic) state.principal = await authenticate(deps, request)
    if (params.apiRoot !== undefined) {
      state.apiRoot = !storable(params.apiRoot)
        ? undefined
        : await deps.store.getApiRoot(params.apiRoot)
      if (state.apiRoot === undefined) {
        throw notFound('TAXII_ERR_API_ROOT_NOT_FOUND', 'no API root at this path')
      }
    }
    if (params.collectionId !== undefined && state.apiRoot !== undefined) {
      const collection = !storable(params.collectionId)
        ? undefined
        : await deps.store.findCollection(state.apiRoot.pk, params.collectionId)
      const rights =
        collection === undefined
          ? undefined
          : effectiveRights(state.principal!, state.apiRoot, collection)
      if (collection === undefined || rights === undefined || !rights.visible) {
        throw notFound('TAXII_ERR_COLLECTION_NOT_FOUND', COLLECTION_NOT_FOUND)
      }
      state.collection = collection
      state.rights = rights
    }
    const allow = config.allow ?? []
    if (access === undefined) throw methodNotAllowed(allow)
    if (!acceptsTaxii21(request.headers.accept)) {
      throw new TaxiiError('TAXII_ERR_NOT_ACCEPTABLE', 'Not acceptable', {
        description: 'this hub serves application/taxii+json;version=2.1: ask for it in Accept',
      })
    }
    if (method === 'POST') checkPostBody(request, state.apiRoot?.max_content_length)
    const rights = state.rights
    if (rights === undefined) return
    if (access === 'read' && !rights.can_read) {
      throw forbidden('you may not read this collection')
    }
    if (access === 'write' && !rights.can_write) {
      throw forbidden('you may not add objects to this collection')
    }
    if (access === 'delete') {
      // T-048: neither right looks like no collection at all; one of them is a 403
      if (!rights.can_read && !rights.can_write) {
        throw notFound('TAXII_ERR_COLLECTION_NOT_FOUND', COLLECTION_NOT_FOUND)
      }
      if (!rights.can_read || !rights.can_write) {
        throw forbidden('deleting needs both read and write rights on this collection')
      }
    }
  }
}

function checkPostBody(request: FastifyRequest, maxContentLength: number | undefined): void {
  const encoding = request.headers['content-encoding']
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new TaxiiError('TAXII_ERR_UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', {
      description: `Content-Encoding "${encoding}" is not accepted: send the body uncompressed`,
    })
  }
  if (!isTaxiiContentType(request.headers['content-type'])) {
    throw new TaxiiError('TAXII_ERR_UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', {
      description: 'send Content-Type: application/taxii+json;version=2.1',
    })
  }
  const length = request.headers['content-length']
  if (maxContentLength !== undefined && length !== undefined && Number(length) > maxContentLength) {
    throw payloadTooLarge(maxContentLength)
  }
}

export function methodNotAllowed(allow: string[]): TaxiiError {
  return new TaxiiError('TAXII_ERR_METHOD_NOT_ALLOWED', 'Method not allowed', {
    description: `this resource supports ${allow.join(', ')}`,
    headers: { allow: allow.join(', ') },
  })
}

export function payloadTooLarge(maxContentLength: number): TaxiiError {
  return new TaxiiError('TAXII_ERR_PAYLOAD_TOO_LARGE', 'Payload too large', {
    description: `the body exceeds this API root's max_content_length of ${maxContentLength} bytes`,
  })
}
