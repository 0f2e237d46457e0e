import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Deps } from '../../services/deps.js'
import {
  deleteObject as remove,
  getManifest,
  getObjects,
  getVersions,
  submitObjects,
  type Listing,
} from '../../services/objects.js'
import { statusResource } from '../../services/status.js'
import { collectionContext } from '../context.js'
import { sendResource, sendTaxii } from '../reply.js'
import { sendPage } from '../send-page.js'

type Query = Record<string, string | string[] | undefined>

/** Sends a listing with its X-TAXII-Date-Added-First/Last headers (T-132, T-133). */
function sendListing(deps: Deps, reply: FastifyReply, listing: Listing): FastifyReply {
  if (listing.dateAddedFirst !== undefined && listing.dateAddedLast !== undefined) {
    reply.header('x-taxii-date-added-first', listing.dateAddedFirst)
    reply.header('x-taxii-date-added-last', listing.dateAddedLast)
  }
  return sendPage(reply, deps.bodies, listing.body, deps.config.compression)
}

const objectId = (req: FastifyRequest) => (req.params as { objectId: string }).objectId

export const manifest = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) =>
  sendListing(
    deps,
    reply,
    await getManifest(deps, collectionContext(req.taxii), req.query as Query),
  )

export const objects = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) =>
  sendListing(deps, reply, await getObjects(deps, collectionContext(req.taxii), req.query as Query))

export const addObjects = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) => {
  const ctx = {
    ...collectionContext(req.taxii),
    concealStored: req.taxii.rights?.can_read !== true,
  }
  const status = await submitObjects(deps, ctx, req.body as Buffer)
  return sendResource(reply, 202, statusResource(status))
}

export const object = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) =>
  sendListing(
    deps,
    reply,
    await getObjects(deps, collectionContext(req.taxii), req.query as Query, objectId(req)),
  )

export const deleteObject = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) => {
  await remove(deps, collectionContext(req.taxii), req.query as Query, objectId(req))
  return sendTaxii(reply, 200, '')
}

export const versions = (deps: Deps) => async (req: FastifyRequest, reply: FastifyReply) =>
  sendListing(
    deps,
    reply,
    await getVersions(deps, collectionContext(req.taxii), req.query as Query, objectId(req)),
  )
