import { timingSafeEqual } from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { AdminInputError, isOperationName, perform } from '../../admin/operations.js'
import { AdminUsageError } from '../../admin/input.js'
import type { Deps } from '../../services/deps.js'

/**
 * Loopback channel for admin commands while this hub holds an embedded database. The secret is
 * in the data directory's lock file (mode 0600): whoever may read the data may administer it.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: Deps, secret: string): void {
  const expected = Buffer.from(`Bearer ${secret}`)
  void app.register(async (admin) => {
    admin.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string))
      } catch {
        done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }))
      }
    })
    admin.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
      const status = error instanceof AdminInputError ? 400 : (error.statusCode ?? 500)
      if (status === 500) req.log.error({ err: error }, 'admin operation failed')
      return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message })
    })
    admin.post('/admin/v1/:op', async (req, reply) => {
      const given = Buffer.from(req.headers.authorization ?? '')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).send({ error: 'admin credentials required' })
      }
      const { op } = req.params as { op: string }
      if (!isOperationName(op)) return reply.code(404).send({ error: `no operation ${op}` })
      // Long operations report progress: the answer is JSON Lines, `{"progress":…}` lines and then
      // one `{"result":…}` or `{"error":…}` line, so the status code cannot carry the outcome.
      const stream = new PassThrough()
      const line = (value: unknown) => stream.write(`${JSON.stringify(value)}\n`)
      perform(deps, op, req.body ?? {}, (progress) => line({ progress }))
        .then((result) => line({ result }))
        .catch((error: unknown) => {
          if (!(error instanceof AdminInputError)) {
            req.log.error({ err: error }, 'admin operation failed')
          }
          line({
            error: error instanceof AdminInputError ? error.message : 'internal error',
            input_error: error instanceof AdminInputError,
            usage_error: error instanceof AdminUsageError,
          })
        })
        .finally(() => stream.end())
      return reply.type('application/x-ndjson').send(stream)
    })
  })
}
