import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { openHub } from '../hub.js'
import { bootstrapDefaultApiRoot } from '../services/bootstrap.js'
import { resumeAbandonedEnvelopes } from '../services/objects.js'
import { applyRetention } from '../services/retention.js'
import type { Deps } from '../services/deps.js'
import { buildApp } from './app.js'
import { readTls } from './tls.js'

export interface RunningServer {
  app: FastifyInstance
  deps: Deps
  url: string
  /** SHA-256 fingerprint of the certificate served, when the hub serves HTTPS */
  certFingerprint: string | undefined
  close(): Promise<void>
}

const PURGE_INTERVAL_MS = 15 * 60 * 1000
const RESUME_INTERVAL_MS = 60 * 1000

/** Opens storage, builds the app and listens; close() drains requests, then the database. */
export async function startServer(
  config: Config,
  opts: { adminSecret?: string } = {},
): Promise<RunningServer> {
  const tls = config.tls === undefined ? undefined : readTls(config.tls)
  const deps = await openHub(config, { checkThread: true })
  try {
    await bootstrapDefaultApiRoot(deps)
    const app = buildApp(deps, {
      logger: {
        level: config.logLevel,
        redact: ['req.headers.authorization', 'req.headers.cookie'],
      },
      ...(opts.adminSecret !== undefined && { adminSecret: opts.adminSecret }),
      ...(tls !== undefined && { https: tls.options }),
    })
    const address = await app.listen({ host: config.host, port: config.port })
    if (config.publicUrlDerived) {
      // port 0 binds an ephemeral port: advertise the one actually bound
      deps.config = Object.freeze({ ...config, publicUrl: address })
    }
    deps.background.reportTo((err) => app.log.error({ err }, 'background work failed'))
    deps.checks?.reportTo((err) => app.log.error({ err }, 'the envelope check thread failed'))
    // Expired statuses are never served (getStatus filters them); purging only reclaims the rows.
    // Object versions past HYDRAWATCH_RETENTION go at the same pace (T-017).
    const stopping = new AbortController()
    const purge = () =>
      deps.background.run(async () => {
        await deps.store
          .purgeExpiredStatuses()
          .catch((err: unknown) => app.log.error({ err }, 'purging expired statuses failed'))
        const expired = await applyRetention(deps, stopping.signal)
        if (expired > 0) app.log.info({ expired }, 'removed object versions past their retention')
      })
    purge()
    const purging = setInterval(purge, PURGE_INTERVAL_MS).unref()
    // envelopes accepted as pending by a hub that stopped before storing them
    const resume = () =>
      deps.background.run(async () => {
        const resumed = await resumeAbandonedEnvelopes(deps)
        if (resumed > 0) app.log.warn({ resumed }, 'stored pending envelopes a stopped hub left')
      })
    resume()
    const resuming = setInterval(resume, RESUME_INTERVAL_MS).unref()
    let closing: Promise<void> | undefined
    return {
      app,
      deps,
      url: address,
      certFingerprint: tls?.fingerprint,
      close() {
        clearInterval(purging)
        clearInterval(resuming)
        stopping.abort()
        closing ??= app
          .close()
          .then(() => deps.background.drain())
          .then(() => deps.checks?.close())
          .then(() => deps.store.close())
        return closing
      },
    }
  } catch (err) {
    await deps.checks?.close()
    await deps.store.close()
    throw err
  }
}
