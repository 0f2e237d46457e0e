/**
 * `hydrawatch publish FILE`: reads the rows, converts them, and prints the bundle (`--dry-run`)
 * or posts it to a TAXII collection. Data goes to stdout (the bundle, or a one-line JSON
 * summary), diagnostics to stderr: rejected rows by line, failed objects by id, progress.
 */
import type { Writable } from 'node:stream'
import type { Credentials, TaxiiStatus } from '../client/index.js'
import { EXIT } from '../cli/exit-codes.js'
import { uuidV5 } from '../stix/schema/deterministic-id.js'
import { parseTlp } from './classes.js'
import { KeyConfigError, loadCommunityKey } from './keys.js'
import { buildPublication, PUBLISH_NAMESPACE, type Named, type Publication } from './publication.js'
import { RowError } from './row-error.js'
import { clientCertificate, CredentialError } from '../sync/credentials.js'
import { readRows, type RowFormat } from './rows.js'
import { parseTimestamp, startOfUtcDay } from './time.js'

export interface PublishCommandOptions {
  format?: RowFormat
  campaign: string
  campaignTlp: string
  identity?: string
  identityName?: string
  validFrom?: string
  idKeyFile?: string
  idKeyId?: string
  paymentKeyFile?: string
  paymentKeyId?: string
  dryRun?: boolean
  url?: string
  collection: string
  tokenEnv?: string
  username?: string
  passwordEnv?: string
  clientCert?: string
  clientKey?: string
}

export interface PublishIo {
  env: Readonly<Record<string, string | undefined>>
  stdout: Writable
  stderr: Writable & { isTTY?: boolean }
  now: Date
  /** the API root posted to without --url */
  defaultApiRoot: () => string
}

/** Options that do not fit together or name nothing usable: exit code 2. */
export class PublishUsageError extends Error {
  override name = 'PublishUsageError'
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
const CAMPAIGN_ID = new RegExp(`^campaign--${UUID}$`)
const IDENTITY_ID = new RegExp(`^identity--${UUID}$`)

function named(opts: PublishCommandOptions): { identity: Named; campaign: Named } {
  if ((opts.identity === undefined) === (opts.identityName === undefined)) {
    throw new PublishUsageError('name the publisher with --identity-name ORG or --identity ID')
  }
  if (opts.identity !== undefined && !IDENTITY_ID.test(opts.identity)) {
    throw new PublishUsageError('--identity takes an identity id (identity--<uuid>)')
  }
  const identity: Named =
    opts.identity !== undefined ? { id: opts.identity } : { name: opts.identityName! }
  const campaign: Named = CAMPAIGN_ID.test(opts.campaign)
    ? { id: opts.campaign }
    : { name: opts.campaign }
  return { identity, campaign }
}

function credentials(opts: PublishCommandOptions, env: PublishIo['env']): Credentials {
  const auth = authentication(opts, env)
  if (opts.clientCert === undefined && opts.clientKey === undefined) return auth
  if (opts.clientCert === undefined || opts.clientKey === undefined) {
    throw new PublishUsageError('--client-cert and --client-key go together')
  }
  try {
    return { ...auth, certificate: clientCertificate(opts.clientCert, opts.clientKey) }
  } catch (err) {
    if (err instanceof CredentialError) throw new PublishUsageError(err.message)
    throw err
  }
}

function authentication(opts: PublishCommandOptions, env: PublishIo['env']): Credentials {
  const secret = (variable: string, what: string) => {
    const value = env[variable]
    if (value === undefined || value === '') {
      throw new PublishUsageError(`the environment variable ${variable} (${what}) is not set`)
    }
    return value
  }
  if (opts.tokenEnv !== undefined) {
    if (opts.username !== undefined) {
      throw new PublishUsageError('give --token-env or --username with --password-env, not both')
    }
    return { kind: 'bearer', token: secret(opts.tokenEnv, 'the token') }
  }
  if (opts.username !== undefined || opts.passwordEnv !== undefined) {
    if (opts.username === undefined || opts.passwordEnv === undefined) {
      throw new PublishUsageError('Basic credentials need both --username and --password-env')
    }
    return {
      kind: 'basic',
      username: opts.username,
      password: secret(opts.passwordEnv, 'the password'),
    }
  }
  return { kind: 'none' }
}

const line = (out: Writable, text: string) => out.write(`${text}\n`)

function reportRows(p: Publication, stderr: Writable): void {
  for (const r of p.rejected) line(stderr, `line ${r.line}: ${r.reason}`)
  if (p.unknownFields.length > 0) {
    line(stderr, `warning: no row kind uses the column(s) ${p.unknownFields.join(', ')}`)
  }
  line(
    stderr,
    `${p.rows} rows: ${p.converted} converted, ${p.rejected.length} rejected; ${p.objects.length} objects`,
  )
}

function missingKeysMessage(p: Publication): string | undefined {
  const parts: string[] = []
  const lines = (ls: number[]) => `${ls.slice(0, 10).join(', ')}${ls.length > 10 ? ', …' : ''}`
  if (p.missingKeys.identifier.length > 0) {
    parts.push(
      `${p.missingKeys.identifier.length} rows need the identifier key (--id-key-file or HYDRAWATCH_ID_KEY, with --id-key-id): lines ${lines(p.missingKeys.identifier)}`,
    )
  }
  if (p.missingKeys.payment.length > 0) {
    parts.push(
      `${p.missingKeys.payment.length} rows need the payment key (--payment-key-file or HYDRAWATCH_PAYMENT_KEY, with --payment-key-id): lines ${lines(p.missingKeys.payment)}`,
    )
  }
  return parts.length === 0 ? undefined : parts.join('\n')
}

/** Plain lines off a terminal; a progress bar on one. */
async function progressReporter(stderr: PublishIo['stderr'], total: number) {
  if (stderr.isTTY !== true) {
    return {
      envelope(done: number, status: TaxiiStatus, n: number, of: number) {
        line(
          stderr,
          `envelope ${n + 1}/${of}: status ${status.id}: ${status.success_count} succeeded, ${status.failure_count} failed (${done}/${total} objects)`,
        )
      },
      stop() {},
    }
  }
  const { default: progress } = await import('cli-progress')
  const bar = new progress.SingleBar(
    { stream: stderr, format: 'publishing [{bar}] {value}/{total} objects | {failed} failed' },
    progress.Presets.shades_classic,
  )
  bar.start(total, 0, { failed: 0 })
  let failed = 0
  return {
    envelope(done: number, status: TaxiiStatus) {
      failed += status.failure_count
      bar.update(done, { failed })
    },
    stop: () => bar.stop(),
  }
}

/** Runs the command; returns its exit code. */
export async function runPublish(
  file: string,
  opts: PublishCommandOptions,
  io: PublishIo,
): Promise<number> {
  try {
    const { identity, campaign } = named(opts)
    const campaignTlp = parseTlp(opts.campaignTlp)
    if (campaignTlp === undefined) {
      throw new PublishUsageError('--campaign-tlp must be clear, green, amber, amber+strict or red')
    }
    const validFrom =
      opts.validFrom === undefined
        ? startOfUtcDay(io.now)
        : parseTimestamp(opts.validFrom, 'the --valid-from option')
    const target = opts.dryRun === true ? undefined : credentials(opts, io.env)
    const identifier = await loadCommunityKey('identifier', {
      file: opts.idKeyFile,
      value: io.env.HYDRAWATCH_ID_KEY,
      id: opts.idKeyId,
    })
    const payment = await loadCommunityKey('payment', {
      file: opts.paymentKeyFile,
      value: io.env.HYDRAWATCH_PAYMENT_KEY,
      id: opts.paymentKeyId,
    })
    const { createObjectValidator } = await import('../stix/validate.js')
    const publication = await buildPublication(readRows(file, opts.format), {
      identity,
      campaign,
      campaignTlp,
      validFrom,
      keys: {
        ...(identifier !== undefined && { identifier }),
        ...(payment !== undefined && { payment }),
      },
      validate: createObjectValidator(),
    })
    const missing = missingKeysMessage(publication)
    if (missing !== undefined) {
      line(io.stderr, `hydrawatch publish: ${missing}\nnothing was published`)
      return EXIT.USAGE
    }
    reportRows(publication, io.stderr)
    const rowsFailed = publication.rejected.length > 0

    if (target === undefined) {
      const ids = publication.objects.map((o) => o.id).join('\n')
      const bundle = {
        type: 'bundle',
        id: `bundle--${uuidV5(ids, PUBLISH_NAMESPACE)}`,
        objects: publication.objects,
      }
      line(io.stdout, JSON.stringify(bundle, null, 2))
      return rowsFailed ? EXIT.FAILURE : EXIT.OK
    }

    const apiRootUrl = opts.url ?? io.defaultApiRoot()
    const { postObjects } = await import('./post.js')
    const reporter = await progressReporter(io.stderr, publication.objects.length)
    let done = 0
    const result = await postObjects(
      publication.objects,
      { apiRootUrl, collection: opts.collection, credentials: target },
      ({ objects, status }, n, of) => {
        done += objects
        reporter.envelope(done, status, n, of)
      },
    ).finally(() => reporter.stop())
    for (const f of result.failures)
      line(io.stderr, `failed: ${f.id} ${f.version}: ${f.message ?? ''}`)
    for (const id of result.tooLarge)
      line(io.stderr, `not sent: ${id} is larger than max_content_length`)
    line(
      io.stdout,
      JSON.stringify({
        api_root: apiRootUrl,
        collection: opts.collection,
        rows: publication.rows,
        rejected_rows: publication.rejected.length,
        objects: publication.objects.length,
        envelopes: result.envelopes,
        succeeded: result.succeeded,
        already_held: result.alreadyHeld,
        failed: result.failures.length + result.tooLarge.length,
        statuses: result.statuses.map((s) => ({
          id: s.id,
          success_count: s.success_count,
          failure_count: s.failure_count,
        })),
      }),
    )
    return rowsFailed || result.failures.length > 0 || result.tooLarge.length > 0
      ? EXIT.FAILURE
      : EXIT.OK
  } catch (err) {
    if (err instanceof PublishUsageError || err instanceof KeyConfigError) {
      line(io.stderr, `hydrawatch publish: ${err.message}`)
      return EXIT.USAGE
    }
    if (err instanceof RowError) {
      line(io.stderr, `hydrawatch publish: ${err.message}`)
      return EXIT.USAGE
    }
    throw err
  }
}
