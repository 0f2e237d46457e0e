import type { HubKeys } from '../auth/keys.js'
import type { Config } from '../config.js'
import type { ObjectValidator } from '../stix/validate.js'
import type { AuditLog } from '../storage/audit-log.js'
import type { FeedStore } from '../storage/feed-store.js'
import type { TaxiiStore } from '../storage/store.js'
import type { BackgroundTasks } from './background.js'
import type { BodyPool } from './body-pool.js'
import type { EnvelopeChecks } from './envelope-checks.js'
import type { RenderedPage } from './objects.js'
import type { ReadAhead } from './read-ahead.js'
import type { ReadAheadLeases } from './read-ahead-leases.js'

/** What the protocol services need, built once at start and passed in (never a singleton). */
export interface Deps {
  store: TaxiiStore
  feeds: FeedStore
  auditLog: AuditLog
  config: Config
  keys: HubKeys
  validate: ObjectValidator
  /** the thread that checks posted envelopes, in a hub that serves (else they are checked here) */
  checks?: EnvelopeChecks
  background: BackgroundTasks
  /** listing pages read ahead (read-ahead.ts), of the rendered kind objects.ts makes */
  readAhead: ReadAhead<RenderedPage>
  /**
   * the read-ahead leases of a hub whose database other processes may write (PostgreSQL, which
   * several hubs can share): pages read under one are served without asking for removals
   * (objects.ts, takeReadAhead). An embedded database is held by one hub, through which every
   * write goes (admin commands too), so its own invalidation (read-ahead.ts) is all it needs.
   */
  leases?: ReadAheadLeases
  /** bodies of listing pages, given back once their response has gone out */
  bodies: BodyPool
}
