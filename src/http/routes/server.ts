import type { FastifyReply, FastifyRequest } from 'fastify'
import { notFound } from '../../errors.js'
import { collectionResource } from '../../services/collections.js'
import { effectiveRights } from '../../services/collections.js'
import type { Deps } from '../../services/deps.js'
import { statusResource } from '../../services/status.js'
import { collectionContext } from '../context.js'
import { sendResource } from '../reply.js'

const STATUS_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/**
 * GET /taxii2/ (§4.1): public, lists every API root as an absolute URL (T-037, T-067), then those
 * hosted elsewhere that the operator advertises (T-070).
 */
export const discovery = (deps: Deps) => async (_req: FastifyRequest, reply: FastifyReply) => {
  const roots = await deps.store.listApiRoots()
  const url = (name: string) => `${deps.config.publicUrl}/${name}/`
  const fallback = roots.find((r) => r.is_default)
  const listed = [...new Set([...roots.map((r) => url(r.name)), ...deps.config.advertisedApiRoots])]
  return sendResource(reply, 200, {
    title: deps.config.title,
    ...(deps.config.description !== undefined && { description: deps.config.description }),
    ...(deps.config.contact !== undefined && { contact: deps.config.contact }),
    ...(fallback !== undefined && { default: url(fallback.name) }),
    ...(listed.length > 0 && { api_roots: listed }),
  })
}

/** GET /{api-root}/ (§4.2). */
export const apiRoot = () => async (req: FastifyRequest, reply: FastifyReply) => {
  const root = req.taxii.apiRoot!
  return sendResource(reply, 200, {
    title: root.title,
    ...(root.description !== null && { description: root.description }),
    versions: root.versions,
    max_content_length: root.max_content_length,
  })
}

/** GET /{api-root}/status/{status-id}/ (§4.3); readable by its poster only (T-051). */
export const status = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) => {
  const { statusId } = req.params as { statusId: string }
  const root = req.taxii.apiRoot!
  const principal = req.taxii.principal!
  const missing = () => notFound('TAXII_ERR_STATUS_NOT_FOUND', 'no such status, or it expired')
  if (!STATUS_ID.test(statusId)) throw missing()
  const record = await deps.store.getStatus(root.pk, statusId)
  if (record === undefined) throw missing()
  if (record.owner_sub !== null ? record.owner_sub !== principal.sub : !(await anyVisible())) {
    throw missing()
  }
  return sendResource(reply, 200, statusResource(record))

  async function anyVisible() {
    const collections = await deps.store.listCollections(root.pk)
    return collections.some((c) => effectiveRights(principal, root, c).visible)
  }
}

/** GET /{api-root}/collections/ (§5.1): every collection visible to the caller (T-093). */
export const collections = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) => {
  const root = req.taxii.apiRoot!
  const principal = req.taxii.principal!
  const visible = (await deps.store.listCollections(root.pk))
    .map((c) => ({ c, rights: effectiveRights(principal, root, c) }))
    .filter(({ rights }) => rights.visible)
    .map(({ c, rights }) => collectionResource(c, rights))
  return sendResource(reply, 200, visible.length > 0 ? { collections: visible } : {})
}

/** GET /{api-root}/collections/{id}/ (§5.2). */
export const collection = () => async (req: FastifyRequest, reply: FastifyReply) => {
  const ctx = collectionContext(req.taxii)
  return sendResource(reply, 200, collectionResource(ctx.collection, req.taxii.rights!))
}
