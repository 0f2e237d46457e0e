import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { AdminInputError, AdminUsageError } from '../admin/input.js'
import type {
  OperationInput,
  OperationName,
  OperationOutput,
  Progress,
} from '../admin/operations.js'
import type { Config } from '../config.js'
import {
  busyMessage,
  claimLock,
  DataDirBusyError,
  readLock,
  type ClaimedLock,
} from '../admin/lock.js'
import { postToHub } from './hub-channel.js'

export class RemoteOperationError extends Error {
  override name = 'RemoteOperationError'
}

/**
 * Runs an admin operation where the data is: through the running hub when it holds the embedded
 * database (PGlite admits one process), else directly against the database.
 */
export async function runOperation<N extends OperationName>(
  config: Config,
  name: N,
  input: OperationInput<N>,
  progress?: Progress,
): Promise<OperationOutput<N>> {
  const dataDir =
    config.database.kind === 'pglite' && config.database.dataDir !== 'memory'
      ? config.database.dataDir
      : undefined
  let claimed: ClaimedLock | undefined
  if (dataDir !== undefined) {
    const lock = readLock(dataDir)
    if (lock !== undefined) {
      if (lock.command !== undefined) throw new DataDirBusyError(busyMessage(dataDir, lock))
      if (lock.url === '')
        throw new RemoteOperationError(
          'the hub holding the data directory is still starting; retry',
        )
      const res = await postToHub(
        lock,
        `/admin/v1/${name}`,
        { authorization: `Bearer ${lock.secret}`, 'content-type': 'application/json' },
        JSON.stringify(input ?? {}),
      )
      if (res.statusCode !== 200) {
        const body = (await json(res).catch(() => ({}))) as { error?: string }
        throw new RemoteOperationError(body.error ?? `hub answered ${res.statusCode}`)
      }
      return (await readAnswer(res, progress)) as OperationOutput<N>
    }
    claimed = claimLock(dataDir, commandName(name))
  }
  try {
    const [{ openHub }, { perform }] = await Promise.all([
      import('../hub.js'),
      import('../admin/operations.js'),
    ])
    const deps = await openHub(config, { checkThread: false })
    try {
      return (await perform(deps, name, input, progress)) as OperationOutput<N>
    } finally {
      await deps.store.close()
    }
  } finally {
    claimed?.release()
  }
}

/** `feeds.add` → `feeds add`, `audit.list` → `audit`: close to what the user typed */
const commandName = (operation: string): string =>
  operation.replace(/\.(list|refs)$/, '').replace('.', ' ')

interface AnswerLine {
  progress?: Parameters<Progress>[0]
  result?: unknown
  error?: string
  input_error?: boolean
  usage_error?: boolean
}

async function json(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

/** Reads the hub's JSON Lines answer, passing progress on, up to the result or the error. */
async function readAnswer(body: Readable, progress: Progress | undefined): Promise<unknown> {
  const lines = createInterface({ input: body, crlfDelay: Infinity })
  for await (const text of lines) {
    if (text === '') continue
    const line = JSON.parse(text) as AnswerLine
    if (line.progress !== undefined) progress?.(line.progress)
    else if (line.error !== undefined) {
      if (line.usage_error === true) throw new AdminUsageError(line.error)
      if (line.input_error === true) throw new AdminInputError(line.error)
      throw new RemoteOperationError(line.error)
    } else return line.result
  }
  throw new RemoteOperationError('the hub closed the connection before answering')
}
