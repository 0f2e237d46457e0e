import { Option, type Command } from 'commander'
import { loadConfig } from '../config.js'
import type { PublishCommandOptions } from '../publish/run.js'

/**
 * `hydrawatch publish FILE`: detection output (CSV or JSON Lines) → STIX indicators, printed
 * (`--dry-run`) or posted to a TAXII 2.1 collection. The community keys are read from files or
 * the environment (HYDRAWATCH_ID_KEY, HYDRAWATCH_PAYMENT_KEY), never from the command line.
 */
export function registerPublishCommand(program: Command): void {
  program
    .command('publish <file>')
    .description(
      'turn detection output (CSV or JSON Lines) into STIX indicators and publish them to a TAXII collection',
    )
    .addOption(
      new Option(
        '--format <format>',
        'input format (default: jsonl for .jsonl/.ndjson, else csv)',
      ).choices(['csv', 'jsonl']),
    )
    .requiredOption(
      '--campaign <name>',
      'the campaign every indicator indicates (a name, or a campaign id)',
    )
    .option('--identity-name <org>', "the publishing organisation's name (its identity is emitted)")
    .option('--identity <id>', 'an existing identity id to publish as (not emitted)')
    .option('--campaign-tlp <level>', 'TLP 2.0 level of the campaign and its links', 'amber+strict')
    .option(
      '--valid-from <date>',
      'valid_from of rows without one, and created/modified of the identity and campaign (default: the start of the current UTC day)',
    )
    .addOption(
      new Option('--id-key-file <file>', 'identifier key (hex or base64)').env(
        'HYDRAWATCH_ID_KEY_FILE',
      ),
    )
    .addOption(
      new Option('--id-key-id <id>', 'its key id, e.g. hub-id-2025-07').env('HYDRAWATCH_ID_KEY_ID'),
    )
    .addOption(
      new Option('--payment-key-file <file>', 'payment key (hex or base64)').env(
        'HYDRAWATCH_PAYMENT_KEY_FILE',
      ),
    )
    .addOption(
      new Option('--payment-key-id <id>', 'its key id, e.g. hub-pay-2025-07').env(
        'HYDRAWATCH_PAYMENT_KEY_ID',
      ),
    )
    .option('--dry-run', 'print the STIX bundle on stdout and post nothing')
    .option('--url <api-root-url>', 'API root to post to (default: this hub, <public URL>/hub/)')
    .option('--collection <id>', 'collection id or alias', 'distillation-indicators')
    .option('--token-env <var>', 'environment variable holding a Bearer token')
    .option('--username <name>', 'HTTP Basic user name (with --password-env)')
    .option('--password-env <var>', 'environment variable holding the HTTP Basic password')
    .option('--client-cert <file>', 'PEM client certificate to present (with --client-key)')
    .option('--client-key <file>', 'PEM private key of --client-cert')
    .action(async (file: string, opts: PublishCommandOptions) => {
      const { runPublish } = await import('../publish/run.js')
      process.exitCode = await runPublish(file, opts, {
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
        now: new Date(),
        defaultApiRoot: () => `${loadConfig(process.env).publicUrl}/hub/`,
      })
    })
}
