import { InvalidArgumentError, type Command } from 'commander'
import { isStixTimestamp } from '../stix/timestamps.js'
import { configFrom, out, positive, table } from './common.js'
import { runOperation } from './run-operation.js'

const timestamp = (value: string): string => {
  if (!isStixTimestamp(value)) {
    throw new InvalidArgumentError('expected a timestamp such as 2026-11-01T00:00:00Z')
  }
  return value
}

/** `hydrawatch audit`: who published, deleted, administered and was refused what, and when. */
export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('read the audit log, newest first')
    .option('--since <timestamp>', 'only events at or after this time', timestamp)
    .option('--sub <subject>', "only this token subject's events (local-admin for the CLI)")
    .option('--action <action>', 'only this action, e.g. add_objects, delete_object, denied')
    .option('--limit <n>', 'at most this many events', positive, 100)
    .option('--json', 'print JSON')
    .action(
      async (
        opts: { since?: string; sub?: string; action?: string; limit: number; json?: boolean },
        cmd: Command,
      ) => {
        const { events } = await runOperation(configFrom(cmd), 'audit.list', {
          limit: opts.limit,
          ...(opts.since !== undefined && { since: opts.since }),
          ...(opts.sub !== undefined && { sub: opts.sub }),
          ...(opts.action !== undefined && { action: opts.action }),
        })
        if (opts.json === true) out(JSON.stringify(events, null, 2))
        else
          out(
            table(
              events.map((e) => ({
                ...e,
                where: [e.api_root, e.collection_id].filter((x) => x !== null).join('/'),
              })),
              ['at', 'sub', 'action', 'where', 'details'],
            ),
          )
      },
    )
}
