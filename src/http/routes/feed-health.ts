import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { TaxiiError } from '../../errors.js'
import type { Deps } from '../../services/deps.js'
import { listFeeds, showFeed } from '../../sync/feeds.js'
import { AdminInputError } from '../../admin/input.js'
import { authenticate } from '../plugins/auth.js'

/**
 * Feed health for monitoring (issue 7): `GET /admin/feeds/` and `/admin/feeds/{name}/`, as plain
 * JSON, for a hub token that administers every collection (`--admin '*'`), since a feed's state
 * reveals partners and local collections alike.
 */
export function registerFeedHealthRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await authenticate(deps, request)
    if (!principal.scopes.admin.includes('*')) {
      throw new TaxiiError('TAXII_ERR_FORBIDDEN', 'Forbidden', {
        description: "feed health needs a token with --admin '*'",
      })
    }
    reply.header('cache-control', 'no-store')
  }
  app.get('/admin/feeds/', { onRequest: guard }, async (_request, reply) =>
    reply.send({ feeds: await listFeeds(deps) }),
  )
  app.get('/admin/feeds/:name/', { onRequest: guard }, async (request, reply) => {
    const { name } = request.params as { name: string }
    try {
      return reply.send({ feed: await showFeed(deps, name) })
    } catch (err) {
      if (err instanceof AdminInputError) {
        throw new TaxiiError('TAXII_ERR_NOT_FOUND', 'Not found', { description: err.message })
      }
      throw err
    }
  })
}
