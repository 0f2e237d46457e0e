import type { Command } from 'commander'
import type { CredentialOptions } from '../sync/credentials.js'
import { info, out, table } from './common.js'
import { withCredentialOptions } from './feeds.js'

interface DiscoverOptions extends CredentialOptions {
  allowPlainHttp?: boolean
  json?: boolean
}

interface RootReport {
  url: string
  default: boolean
  /** on another server than the discovery URL (T-070): not asked, so the credentials stay here */
  hosted_elsewhere?: true
  title?: string
  max_content_length?: number
  collections?: {
    id: string
    alias?: string
    title: string
    can_read: boolean
    can_write: boolean
  }[]
  /** why the API root or its collections could not be read with these credentials */
  error?: string
}

/**
 * `discover TARGET`: what `feeds add` needs to know about a partner, read with the credentials the
 * feed will use: its API roots and the collections those credentials see, with their rights.
 */
export function registerDiscoverCommand(program: Command): void {
  const discover = program
    .command('discover <target>')
    .description(
      "a partner's TAXII server, by domain (DNS SRV _taxii2._tcp) or discovery URL: its API roots and the collections these credentials see",
    )
  withCredentialOptions(discover)
    .option('--allow-plain-http', 'accept an http:// URL to another machine (credentials in clear)')
    .option('--json', 'print JSON')
    .action(async (target: string, opts: DiscoverOptions, cmd: Command) => {
      const [{ credentialRefs, resolveCredentials, CredentialError }, client, location] =
        await Promise.all([
          import('../sync/credentials.js'),
          import('../client/index.js'),
          import('../client/service-location.js'),
        ])
      let credentials
      try {
        credentials = resolveCredentials(credentialRefs(opts))
      } catch (err) {
        if (err instanceof CredentialError) cmd.error(`error: ${err.message}`, { exitCode: 2 })
        throw err
      }
      const refusal = URL.canParse(target)
        ? location.plainHttpRefusal(new URL(target), opts.allowPlainHttp === true)
        : undefined
      if (refusal !== undefined) cmd.error(`error: ${refusal}`, { exitCode: 2 })
      const taxii = new client.TaxiiClient({ credentials, retries: 2 })
      let found
      try {
        found = await taxii.locate(target)
      } catch (err) {
        if (err instanceof TypeError) cmd.error(`error: ${err.message}`, { exitCode: 2 })
        throw err
      }
      const { url, source, discovery } = found
      const roots: RootReport[] = []
      const origin = new URL(url).origin
      for (const root of discovery.api_roots) {
        const report: RootReport = { url: root, default: root === discovery.default }
        // A server may advertise API roots hosted elsewhere (T-070): the credentials were given
        // for this one, and go nowhere else; `discover` that server with its own.
        if (new URL(root).origin !== origin) {
          roots.push({ ...report, hosted_elsewhere: true })
          continue
        }
        try {
          const about = await taxii.apiRoot(root)
          report.title = about.title
          report.max_content_length = about.max_content_length
          report.collections = (await taxii.collections(root)).map((c) => ({
            id: c.id,
            ...(c.alias !== undefined && { alias: c.alias }),
            title: c.title,
            can_read: c.can_read,
            can_write: c.can_write,
          }))
        } catch (err) {
          if (!(err instanceof client.TaxiiClientError)) throw err
          report.error = err.message
        }
        roots.push(report)
      }
      if (opts.json === true) {
        out(
          JSON.stringify({ discovery_url: url, title: discovery.title, api_roots: roots }, null, 2),
        )
        return
      }
      info(`discovery: ${url} (${source})`)
      out(`${discovery.title}`)
      for (const root of roots) {
        out('')
        out(
          `${root.url}${root.default ? ' (default)' : ''}${root.title === undefined ? '' : `  ${root.title}`}`,
        )
        if (root.hosted_elsewhere === true) {
          out('  hosted elsewhere: not asked, these credentials are for this server only')
        } else if (root.error !== undefined) out(`  not readable: ${root.error}`)
        else if (root.collections!.length === 0) out('  no collection these credentials see')
        else
          out(
            table(root.collections!, ['id', 'alias', 'title', 'can_read', 'can_write'])
              .split('\n')
              .map((line) => `  ${line}`)
              .join('\n'),
          )
      }
    })
}
