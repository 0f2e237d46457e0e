#!/usr/bin/env node
import { resolve } from 'node:path'
import { Command, CommanderError, Option } from 'commander'
import { ConfigError } from './config.js'
import { thrownMessage, thrownName } from './thrown.js'
import {
  certificateFile,
  configFrom,
  contentLength,
  duration,
  info,
  list,
  out,
  port,
  positive,
  table,
} from './cli/common.js'
import { EXIT } from './cli/exit-codes.js'
import { registerPublishCommand } from './cli/publish.js'
import { registerAuditCommand } from './cli/audit.js'
import { registerDiscoverCommand } from './cli/discover.js'
import { registerFeedCommands } from './cli/feeds.js'
import { runOperation, RemoteOperationError } from './cli/run-operation.js'

export function buildProgram(): Command {
  const program = new Command('hydrawatch')
    .description('TAXII 2.1 hub for sharing distillation-attack indicators')
    .addOption(
      new Option('--data-dir <dir>', 'embedded database directory').env('HYDRAWATCH_DATA_DIR'),
    )
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL URL instead of the embedded database').env(
        'DATABASE_URL',
      ),
    )
    .showHelpAfterError()
    .exitOverride()

  program
    .command('serve')
    .description('run the TAXII 2.1 server')
    .option('--host <host>', 'address to listen on (HYDRAWATCH_HOST)')
    .option('--port <port>', 'port to listen on (HYDRAWATCH_PORT)', port)
    .option('--public-url <url>', 'base URL advertised in discovery (HYDRAWATCH_PUBLIC_URL)')
    .option('--max-page-size <n>', 'largest page served (HYDRAWATCH_MAX_PAGE_SIZE)', positive)
    .option('--tls-cert <file>', 'PEM certificate chain to serve HTTPS with (HYDRAWATCH_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert (HYDRAWATCH_TLS_KEY)')
    .option(
      '--tls-client-ca <file>',
      "PEM CA certificates of partners' client certificates (HYDRAWATCH_TLS_CLIENT_CA)",
    )
    .option(
      '--retention <duration>',
      'remove object versions added longer ago, such as 180d (HYDRAWATCH_RETENTION)',
    )
    .action(
      async (
        opts: {
          host?: string
          port?: number
          publicUrl?: string
          maxPageSize?: number
          tlsCert?: string
          tlsKey?: string
          tlsClientCa?: string
          retention?: string
        },
        cmd: Command,
      ) => {
        const config = configFrom(cmd, {
          ...(opts.tlsCert !== undefined && { tlsCert: opts.tlsCert }),
          ...(opts.tlsKey !== undefined && { tlsKey: opts.tlsKey }),
          ...(opts.tlsClientCa !== undefined && { tlsClientCa: opts.tlsClientCa }),
          ...(opts.retention !== undefined && { retention: opts.retention }),
          ...(opts.host !== undefined && { host: opts.host }),
          ...(opts.port !== undefined && { port: opts.port }),
          ...(opts.publicUrl !== undefined && { publicUrl: opts.publicUrl }),
          ...(opts.maxPageSize !== undefined && { maxPageSize: opts.maxPageSize }),
        })
        const { serve } = await import('./cli/serve.js')
        await serve(config)
      },
    )

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configFrom(cmd)
      const { migrateCommand } = await import('./cli/serve.js')
      await migrateCommand(config)
    })

  const token = program.command('token').description('hub tokens')
  token
    .command('issue')
    .description('mint a token and print it on stdout')
    .requiredOption('--sub <org>', 'who the token is for (its subject)')
    .option('--read <ids>', 'collections it may read: ids, aliases or *', list)
    .option('--write <ids>', 'collections it may write: ids, aliases or *', list)
    .option(
      '--admin [ids]',
      'collections it administers (read and write): ids, aliases or * (default *)',
    )
    .option('--identity <ids>', 'STIX identity ids the bearer may publish as', list)
    .option(
      '--client-cert <file>',
      'bind the token to this PEM client certificate: it is accepted only over HTTPS connections presenting it (HYDRAWATCH_TLS_CLIENT_CA)',
      certificateFile,
    )
    .option('--ttl <duration>', 'lifetime such as 12h, 30d', duration, 30 * 86400)
    .action(
      async (
        opts: {
          sub: string
          read?: string[]
          write?: string[]
          admin?: string | true
          identity?: string[]
          /** its thumbprint, read by certificateFile */
          clientCert?: string
          ttl: number
        },
        cmd: Command,
      ) => {
        const admin =
          opts.admin === undefined ? undefined : opts.admin === true ? ['*'] : list(opts.admin)
        if (opts.read === undefined && opts.write === undefined && admin === undefined) {
          cmd.error('error: give at least one of --read, --write or --admin', { exitCode: 2 })
        }
        const result = await runOperation(configFrom(cmd), 'token.issue', {
          sub: opts.sub,
          ...(opts.read !== undefined && { read: opts.read }),
          ...(opts.write !== undefined && { write: opts.write }),
          ...(admin !== undefined && { admin }),
          ...(opts.identity !== undefined && { identities: opts.identity }),
          ...(opts.clientCert !== undefined && { certThumbprint: opts.clientCert }),
          ttlSeconds: opts.ttl,
        })
        out(result.token)
        info(`token for "${opts.sub}" issued, valid for ${opts.ttl} s, scope: ${result.scope}`)
      },
    )

  const roots = program.command('api-roots').description('API roots')
  roots
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { api_roots } = await runOperation(configFrom(cmd), 'api-roots.list', undefined)
      if (opts.json === true) out(JSON.stringify(api_roots, null, 2))
      else out(table(api_roots, ['name', 'title', 'is_default', 'max_content_length']))
    })
  roots
    .command('create <name>')
    .requiredOption('--title <title>', 'human-readable title')
    .option('--description <text>')
    .option('--max-content-length <bytes>', 'largest request body', contentLength)
    .option('--default', 'make it the default API root in discovery')
    .action(
      async (
        name: string,
        opts: { title: string; description?: string; maxContentLength?: number; default?: boolean },
        cmd: Command,
      ) => {
        const { api_root } = await runOperation(configFrom(cmd), 'api-roots.create', {
          name,
          title: opts.title,
          ...(opts.description !== undefined && { description: opts.description }),
          ...(opts.maxContentLength !== undefined && { maxContentLength: opts.maxContentLength }),
          isDefault: opts.default === true,
        })
        out(api_root.name)
        info(`API root "${api_root.name}" created`)
      },
    )

  const collections = program.command('collections').description('collections')
  collections
    .command('list')
    .option('--api-root <name>', 'only this API root')
    .option('--json', 'print JSON')
    .action(async (opts: { apiRoot?: string; json?: boolean }, cmd: Command) => {
      const { collections: rows } = await runOperation(configFrom(cmd), 'collections.list', {
        ...(opts.apiRoot !== undefined && { apiRoot: opts.apiRoot }),
      })
      if (opts.json === true) out(JSON.stringify(rows, null, 2))
      else out(table(rows, ['api_root', 'id', 'alias', 'title', 'can_read', 'can_write']))
    })
  collections
    .command('create')
    .requiredOption('--title <title>', 'human-readable title')
    .option('--api-root <name>', 'API root to create it in', 'hub')
    .option('--alias <alias>', 'short name usable in URLs instead of the id')
    .option('--description <text>')
    .addOption(
      new Option('--policy <policy>', 'what any token may do over TAXII')
        .choices(['read-write', 'read-only', 'write-only', 'closed'])
        .default('read-write'),
    )
    .action(
      async (
        opts: {
          title: string
          apiRoot: string
          alias?: string
          description?: string
          policy: string
        },
        cmd: Command,
      ) => {
        const { collection } = await runOperation(configFrom(cmd), 'collections.create', {
          apiRoot: opts.apiRoot,
          title: opts.title,
          ...(opts.alias !== undefined && { alias: opts.alias }),
          ...(opts.description !== undefined && { description: opts.description }),
          canRead: opts.policy === 'read-write' || opts.policy === 'read-only',
          canWrite: opts.policy === 'read-write' || opts.policy === 'write-only',
        })
        out(collection.id)
        info(`collection "${collection.title}" created in ${collection.api_root}`)
      },
    )

  program
    .command('export <file>')
    .description('write every API root, collection, object version and status to FILE')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const summary = await runOperation(configFrom(cmd), 'export', { file: resolve(file) })
      out(JSON.stringify(summary))
      info(`exported to ${summary.file}`)
    })

  program
    .command('import <file>')
    .description('restore an export or a medallion data file, or add a STIX bundle to --collection')
    .option('--api-root <name>', 'API root of --collection (default hub)')
    .option('--collection <id>', 'collection (id or alias) a STIX bundle goes into')
    .action(async (file: string, opts: { apiRoot?: string; collection?: string }, cmd: Command) => {
      if (opts.apiRoot !== undefined && opts.collection === undefined) {
        cmd.error("error: option '--api-root' goes with '--collection'")
      }
      const { warnings, ...summary } = await runOperation(configFrom(cmd), 'import', {
        file: resolve(file),
        ...(opts.apiRoot !== undefined && { apiRoot: opts.apiRoot }),
        ...(opts.collection !== undefined && { collection: opts.collection }),
      })
      for (const warning of warnings) info(`warning: ${warning}`)
      out(JSON.stringify(summary))
      // a bundle's objects that were refused are not stored: a failure, as it is for publish
      if (summary.format === 'bundle' && summary.failure_count > 0) process.exitCode = EXIT.FAILURE
    })

  registerFeedCommands(program)
  registerDiscoverCommand(program)
  registerAuditCommand(program)

  program
    .command('validate [files...]')
    .description('check STIX bundles, envelopes or JSON Lines, or one pattern, as the hub would')
    .option('--pattern <pattern>', "check one STIX pattern ('-' reads it from stdin)")
    .action(async (files: string[], opts: { pattern?: string }, cmd: Command) => {
      const { validateFiles, validatePattern } = await import('./cli/validate.js')
      if (opts.pattern !== undefined) {
        const pattern =
          opts.pattern === '-' ? (await readStdin()).replace(/\r?\n$/, '') : opts.pattern
        if (!(await validatePattern(pattern))) process.exitCode = EXIT.FAILURE
        return
      }
      if (files.length === 0)
        cmd.error('error: name files to validate, or give --pattern', { exitCode: 2 })
      const report = await validateFiles(files)
      info(`${report.checked} objects checked, ${report.invalid} invalid`)
      if (report.invalid > 0) process.exitCode = EXIT.FAILURE
    })

  registerPublishCommand(program)

  return program
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

/** set when a command ended with an exception rather than a result */
let failed = false

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK
  } catch (err) {
    failed = true
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
    }
    const name = thrownName(err)
    info(`hydrawatch: ${thrownMessage(err)}`)
    if (err instanceof ConfigError || name === 'AdminUsageError') return EXIT.USAGE
    if (err instanceof RemoteOperationError || name === 'AdminInputError') return EXIT.FAILURE
    if (name === 'DataDirBusyError') return EXIT.UNAVAILABLE
    return EXIT.FAILURE
  }
}

// An empty variable means unset, as .env.example writes the ones left to their default
// (`DATABASE_URL=`): loadConfig reads it so, but commander's .env() options would take the empty
// string as a value, so the environment is made to agree before either reads it.
for (const name of Object.keys(process.env)) {
  if (process.env[name] === '' && (name.startsWith('HYDRAWATCH_') || name === 'DATABASE_URL')) {
    delete process.env[name]
  }
}
const code = await main(process.argv)
process.exitCode = code
// A command that failed may leave handles open (a database that failed half-way through opening
// keeps the event loop alive): with nothing left to finish, end rather than hang.
if (code !== EXIT.OK && failed) process.exit(code)
