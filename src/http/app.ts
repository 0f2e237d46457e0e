import { randomUUID } from 'node:crypto'
import { METHODS, type IncomingMessage } from 'node:http'
import querystring from 'node:querystring'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import fp from 'fastify-plugin'
import { notFound, TaxiiError } from '../errors.js'
import { AccessLog } from './access-log.js'
import { registerCompression } from './compression.js'
import type { Deps } from '../services/deps.js'
import type { Access, TaxiiRequestState } from './context.js'
import { authenticate } from './plugins/auth.js'
import { registerErrorEnvelope, sendError } from './plugins/error-envelope.js'
import { methodNotAllowed, payloadTooLarge, taxiiGuard } from './plugins/guard.js'
import { registerAdminRoutes } from './routes/admin.js'
import { registerFeedHealthRoutes } from './routes/feed-health.js'
import * as objectRoutes from './routes/objects.js'
import * as serverRoutes from './routes/server.js'
import type { TlsServerOptions } from './tls.js'
import { answerClientError, answerExpectation, MAX_HEADER_BYTES } from './connection-errors.js'

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>
type Method = 'GET' | 'POST' | 'DELETE'

interface Resource {
  url: string
  methods: Partial<Record<Method, [Access, Handler]>>
}

/**
 * Every method Node's parser reads, so that each gets 405 on a TAXII path (T-060), not 404. HEAD
 * follows GET; CONNECT never reaches a request handler.
 */
const ROUTED_METHODS = METHODS.filter((m) => m !== 'HEAD' && m !== 'CONNECT')
const COLLECTION = '/:apiRoot/collections/:collectionId'

/** The endpoint set is fixed by TAXII 2.1, so the table is the documentation. */
function resources(deps: Deps): Resource[] {
  return [
    { url: '/taxii2/', methods: { GET: ['public', serverRoutes.discovery(deps)] } },
    { url: '/:apiRoot/', methods: { GET: ['authenticated', serverRoutes.apiRoot()] } },
    {
      url: '/:apiRoot/status/:statusId/',
      methods: { GET: ['authenticated', serverRoutes.status(deps)] },
    },
    {
      url: '/:apiRoot/collections/',
      methods: { GET: ['authenticated', serverRoutes.collections(deps)] },
    },
    { url: `${COLLECTION}/`, methods: { GET: ['authenticated', serverRoutes.collection()] } },
    { url: `${COLLECTION}/manifest/`, methods: { GET: ['read', objectRoutes.manifest(deps)] } },
    {
      url: `${COLLECTION}/objects/`,
      methods: {
        GET: ['read', objectRoutes.objects(deps)],
        POST: ['write', objectRoutes.addObjects(deps)],
      },
    },
    {
      url: `${COLLECTION}/objects/:objectId/`,
      methods: {
        GET: ['read', objectRoutes.object(deps)],
        DELETE: ['delete', objectRoutes.deleteObject(deps)],
      },
    },
    {
      url: `${COLLECTION}/objects/:objectId/versions/`,
      methods: { GET: ['read', objectRoutes.versions(deps)] },
    },
  ]
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger']
  /** enables the loopback admin channel (see routes/admin.ts) */
  adminSecret?: string
  /** serve HTTPS with these (readTls); plain HTTP without */
  https?: TlsServerOptions
}

export function buildApp(deps: Deps, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    // typed as the plain HTTP server: nothing here depends on which of the two listens
    ...(opts.https !== undefined &&
      ({ https: { ...opts.https, maxHeaderSize: MAX_HEADER_BYTES } } as object)),
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler: answerClientError,
    logger: opts.logger ?? false,
    logController: new AccessLog(),
    routerOptions: {
      ignoreTrailingSlash: true,
      querystringParser: (s) => querystring.parse(s),
      // an object id is `<type>--<uuid>` with a type of up to 250 characters (S-004)
      maxParamLength: 320,
    },
    bodyLimit: 2 ** 31 - 1,
    // while closing, requests on kept-alive connections get a TAXII 503 from the hook below
    return503OnClosing: false,
    genReqId: () => randomUUID(),
    // A path that cannot be decoded never reaches the router; it still gets a TAXII answer
    // (T-021), after authentication like any other path (T-062).
    frameworkErrors: (_error, request, reply) => {
      void authenticate(deps, request)
        .then(
          () => notFound('TAXII_ERR_NOT_FOUND', 'there is no TAXII resource at this path'),
          (err: unknown) => err,
        )
        .then((err) => {
          if (err instanceof TaxiiError) return sendError(reply, err, request.id)
          request.log.error({ err }, 'unexpected failure')
          const internal = new TaxiiError('TAXII_ERR_INTERNAL', 'Internal error', {
            description: 'the hub failed to process this request; quote error_id when reporting it',
          })
          return sendError(reply, internal, request.id)
        })
    },
  })
  if (deps.config.compression) registerCompression(app)
  // a plugin, so that its routes are added once the compression plugin has loaded and hooks them
  void app.register(fp(async (root) => defineHub(root, deps, opts)))
  return app
}

/** Everything the hub serves, and the hooks every request goes through. */
function defineHub(app: FastifyInstance, deps: Deps, opts: AppOptions): void {
  app.server.on('checkExpectation', answerExpectation)
  for (const method of ROUTED_METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method)
  }
  app.decorateRequest('taxii', null as unknown as TaxiiRequestState)
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (request, reply) => {
    request.taxii = {}
    if (closing) {
      reply.header('connection', 'close')
      throw new TaxiiError('TAXII_ERR_UNAVAILABLE', 'Service unavailable', {
        description: 'the hub is shutting down; retry shortly',
        headers: { 'retry-after': '5' },
      })
    }
  })
  registerErrorEnvelope(app, (event) => deps.store.audit(event))

  app.removeAllContentTypeParsers()
  // Counted while it streams in, so a chunked body cannot exceed the API root's limit (T-076).
  const readBody = async (request: FastifyRequest, payload: IncomingMessage, keep: boolean) => {
    const limit = request.taxii.apiRoot?.max_content_length ?? deps.config.maxContentLength
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of payload as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) throw payloadTooLarge(limit)
      if (keep) chunks.push(chunk)
    }
    // bytes, not text: readEnvelope reads most bodies without making one string of them
    return keep ? Buffer.concat(chunks, size) : undefined
  }
  app.addContentTypeParser(
    'application/taxii+json',
    (request: FastifyRequest, payload: IncomingMessage) => readBody(request, payload, true),
  )
  // The guard answers 415 to a POST of another type before any parser; what else brings a body
  // is a Delete an Object, for which a body means nothing (§5.7): read to its end and dropped.
  app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) =>
    readBody(request, payload, false),
  )

  app.get('/healthz', async (_req, reply) => {
    await deps.store.now()
    return reply.header('cache-control', 'no-store').send({ status: 'ok' })
  })

  if (opts.adminSecret !== undefined) registerAdminRoutes(app, deps, opts.adminSecret)
  registerFeedHealthRoutes(app, deps)

  app.addHook('onRequest', taxiiGuard(deps))
  for (const resource of resources(deps)) {
    const allow = Object.keys(resource.methods)
    const access = Object.fromEntries(Object.entries(resource.methods).map(([m, [a]]) => [m, a]))
    const config = { taxii: true as const, allow, access }
    for (const [method, [, handler]] of Object.entries(resource.methods)) {
      app.route({ method, url: resource.url, config, handler })
    }
    const others = ROUTED_METHODS.filter((m) => !allow.includes(m))
    app.route({
      method: others,
      url: resource.url,
      config,
      handler: async () => {
        throw methodNotAllowed(allow)
      },
    })
  }

  app.setNotFoundHandler(async (request) => {
    await authenticate(deps, request)
    throw notFound('TAXII_ERR_NOT_FOUND', 'there is no TAXII resource at this path')
  })
}
