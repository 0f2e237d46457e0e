import type { Command } from 'commander'
import type { Credentials } from '../client/index.js'
import type { Config } from '../config.js'
import type { CredentialOptions } from '../sync/credentials.js'
import type { FeedHealth } from '../sync/feeds.js'
import type { FeedProgress, FeedSummary } from '../sync/run.js'
import { configFrom, duration, info, list, out, table } from './common.js'
import { EXIT } from './exit-codes.js'
import { runOperation } from './run-operation.js'

interface AddOptions extends CredentialOptions {
  url: string
  collection: string
  into: string
  apiRoot?: string
  matchType?: string[]
  allowPlainHttp?: boolean
}

const when = (ts: string | null) => (ts === null ? '-' : ts.replace(/\.\d+Z$/, 'Z'))

function healthRow(f: FeedHealth) {
  return {
    name: f.name,
    into: f.into,
    last_success: when(f.last_success_at),
    last_error: f.last_error === null ? '-' : `${when(f.last_error_at)} ${f.last_error}`,
    lag: f.lag_seconds === null ? '-' : `${Math.round(f.lag_seconds)}s`,
    pulled: f.pulled_versions,
    rejected: f.rejected_versions,
    pushed: f.pushed_versions,
    last_run:
      f.last_run === null
        ? '-'
        : `${f.last_run.direction} ${f.last_run.outcome} ${when(f.last_run.started_at)}`,
  }
}

/** Reads each feed's secrets here, in the environment this command was given. */
async function credentialsFor(
  config: Config,
  names: string[],
): Promise<Record<string, Credentials>> {
  const { resolveCredentials } = await import('../sync/credentials.js')
  const { feedRefs } = await runOperation(config, 'feeds.refs', { names })
  const resolved: Record<string, Credentials> = {}
  for (const [name, refs] of Object.entries(feedRefs)) resolved[name] = resolveCredentials(refs)
  return resolved
}

/** A status line per feed on a terminal, a plain log line per page otherwise. */
async function progressReporter(): Promise<{
  onProgress: (e: FeedProgress) => void
  stop: () => void
}> {
  if (process.stderr.isTTY !== true) {
    return {
      onProgress: (e) =>
        info(
          `${e.direction} ${e.feed}: page ${e.page}, ${e.received} received, ${e.new_versions} new, ` +
            `${e.present_versions} already present, ${e.rejected} rejected` +
            (e.cursor === undefined ? '' : `, checkpoint ${e.cursor}`),
        ),
      stop: () => undefined,
    }
  }
  const { SingleBar } = await import('cli-progress')
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      '{direction} {feed} | {value} pages | {fresh} new | {present} present | {rejected} rejected',
    hideCursor: true,
    clearOnComplete: false,
  })
  let feed: string | undefined
  let totals = { fresh: 0, present: 0, rejected: 0 }
  return {
    onProgress(e) {
      if (e.feed !== feed) {
        if (feed !== undefined) bar.stop()
        feed = e.feed
        totals = { fresh: 0, present: 0, rejected: 0 }
        bar.start(0, 0, { direction: e.direction, feed: e.feed, ...totals })
      }
      totals.fresh += e.new_versions
      totals.present += e.present_versions
      totals.rejected += e.rejected
      bar.update(e.page, totals)
    },
    stop: () => {
      if (feed !== undefined) bar.stop()
    },
  }
}

function printSummary(summaries: FeedSummary[]): boolean {
  let failed = false
  for (const s of summaries) {
    const verb = s.direction === 'pull' ? 'pulled' : 'pushed'
    const counts =
      s.direction === 'pull'
        ? `${s.new_versions} new, ${s.present_versions} already present, ${s.rejected_versions} rejected`
        : `${s.new_versions} accepted, ${s.rejected_versions} refused (kept for the next push)`
    info(`${s.feed}: ${s.outcome}, ${verb} ${s.pages} pages: ${counts}`)
    for (const r of s.rejections.slice(0, 10)) info(`  ${r.id} ${r.version}: ${r.reason}`)
    if (s.rejected_versions > 10) info(`  … see \`hydrawatch feeds show ${s.feed}\``)
    if (s.error !== undefined) info(`  error: ${s.error}`)
    if (s.outcome === 'failed') failed = true
  }
  return failed
}

async function sync(
  direction: 'pull' | 'push',
  config: Config,
  names: string[],
): Promise<{ summaries: FeedSummary[]; failed: boolean }> {
  const credentials = await credentialsFor(config, names)
  const reporter = await progressReporter()
  try {
    const { feeds } = await runOperation(
      config,
      direction,
      { feeds: names, credentials },
      reporter.onProgress,
    )
    reporter.stop()
    return { summaries: feeds, failed: printSummary(feeds) }
  } finally {
    reporter.stop()
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** The options naming a partner's credentials: `feeds add` and `discover` take the same. */
export function withCredentialOptions(cmd: Command): Command {
  return cmd
    .option('--token-env <var>', 'environment variable holding a Bearer token')
    .option('--token-file <path>', 'file holding a Bearer token')
    .option('--username <name>', 'Basic user name')
    .option('--username-env <var>', 'environment variable holding the Basic user name')
    .option('--password-env <var>', 'environment variable holding the Basic password')
    .option('--password-file <path>', 'file holding the Basic password')
    .option(
      '--client-cert <path>',
      'PEM client certificate to present, e.g. the one a hydrawatch token is bound to',
    )
    .option('--client-key <path>', 'PEM private key of --client-cert')
}

/** `feeds add|list|show|remove`, `pull` and `push`. */
export function registerFeedCommands(program: Command): void {
  const feeds = program.command('feeds').description("partners' TAXII collections paired with ours")
  const add = feeds
    .command('add <name>')
    .description('pair a partner collection with a local one')
    .requiredOption('--url <url>', "the partner's API root URL")
    .requiredOption('--collection <id>', "the partner's collection id")
    .requiredOption('--into <collection>', 'local collection (id or alias, or api-root/alias)')
    .option('--api-root <name>', 'local API root of --into (default hub)')
  withCredentialOptions(add)
    .option('--match-type <types>', 'only these STIX types (comma list)', list)
    .option('--allow-plain-http', 'accept an http:// URL to another machine (credentials in clear)')
    .action(async (name: string, opts: AddOptions, cmd: Command) => {
      const { credentialRefs, CredentialError } = await import('../sync/credentials.js')
      let credentials
      try {
        credentials = credentialRefs(opts)
      } catch (err) {
        if (err instanceof CredentialError) cmd.error(`error: ${err.message}`, { exitCode: 2 })
        throw err
      }
      const { feed } = await runOperation(configFrom(cmd), 'feeds.add', {
        name,
        url: opts.url,
        collection: opts.collection,
        into: opts.into,
        ...(opts.apiRoot !== undefined && { apiRoot: opts.apiRoot }),
        credentials,
        ...(opts.matchType !== undefined && { matchType: opts.matchType }),
        ...(opts.allowPlainHttp === true && { allowPlainHttp: true }),
      })
      out(feed.name)
      info(`feed "${feed.name}" added: ${feed.url} collection ${feed.collection} into ${feed.into}`)
    })

  feeds
    .command('list')
    .description('every feed with its health')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { feeds: rows } = await runOperation(configFrom(cmd), 'feeds.list', undefined)
      if (opts.json === true) out(JSON.stringify(rows, null, 2))
      else if (rows.length === 0) info('no feeds; add one with `hydrawatch feeds add`')
      else
        out(
          table(rows.map(healthRow), [
            'name',
            'into',
            'last_success',
            'lag',
            'pulled',
            'rejected',
            'pushed',
            'last_run',
            'last_error',
          ]),
        )
    })

  feeds
    .command('show <name>')
    .description('one feed: health, recent runs and rejections (JSON)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { feed } = await runOperation(configFrom(cmd), 'feeds.show', { name })
      out(JSON.stringify(feed, null, 2))
    })

  feeds
    .command('remove <name>')
    .description('forget a feed (pulled objects stay)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await runOperation(configFrom(cmd), 'feeds.remove', { name })
      info(`feed "${name}" removed`)
    })

  feeds
    .command('provenance <object-id>')
    .description('which feeds delivered versions of an object, and when')
    .option('--json', 'print JSON')
    .action(async (objectId: string, opts: { json?: boolean }, cmd: Command) => {
      const { deliveries } = await runOperation(configFrom(cmd), 'feeds.provenance', { objectId })
      if (opts.json === true) out(JSON.stringify(deliveries, null, 2))
      else if (deliveries.length === 0) info(`no feed delivered ${objectId}`)
      else out(table(deliveries, ['version', 'feed', 'delivered_at']))
    })

  program
    .command('pull [names...]')
    .description("pull partners' feeds (all, or the named ones) into their local collections")
    .option('--watch', 'keep pulling, every --interval')
    .option('--interval <duration>', 'time between pulls with --watch', duration, 300)
    .action(async (names: string[], opts: { watch?: boolean; interval: number }, cmd: Command) => {
      const config = configFrom(cmd)
      if (opts.watch !== true) {
        const { failed } = await sync('pull', config, names)
        if (failed) process.exitCode = EXIT.FAILURE
        return
      }
      const stop = new AbortController()
      const onSignal = () => stop.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        while (!stop.signal.aborted) {
          const { failed } = await sync('pull', config, names)
          process.exitCode = failed ? EXIT.FAILURE : EXIT.OK
          info(`next pull in ${opts.interval} s`)
          await sleep(opts.interval * 1000, stop.signal)
        }
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })

  program
    .command('push <names...>')
    .description("push each named feed's local collection to the partner's collection")
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const { failed } = await sync('push', configFrom(cmd), names)
      if (failed) process.exitCode = EXIT.FAILURE
    })
}
