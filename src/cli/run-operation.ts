import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { AdminInputError } from '../admin/input.js'
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
      const res = await fetch(`${lock.url}/admin/v1/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lock.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      })
      if (!res.ok || res.body === null) {
        const body = (await res.json().catch(() => ({}))) as { error?: string }
        throw new RemoteOperationError(body.error ?? `hub answered ${res.status}`)
      }
      return (await readAnswer(res.body, progress)) as OperationOutput<N>
    }
    claimed = claimLock(dataDir, commandName(name))
  }
  try {
    const [{ openHub }, { perform }] = await Promise.all([
      import('../hub.js'),
      import('../admin/operations.js'),
    ])
    const deps = await openHub(config, { validator: 'on-demand' })
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
}

/** Reads the hub's JSON Lines answer, passing progress on, up to the result or the error. */
async function readAnswer(
  body: ReadableStream<Uint8Array>,
  progress: Progress | undefined,
): Promise<unknown> {
  const lines = createInterface({ input: Readable.fromWeb(body as never), crlfDelay: Infinity })
  for await (const text of lines) {
    if (text === '') continue
    const line = JSON.parse(text) as AnswerLine
    if (line.progress !== undefined) progress?.(line.progress)
    else if (line.error !== undefined) {
      if (line.input_error === true) throw new AdminInputError(line.error)
      throw new RemoteOperationError(line.error)
    } else return line.result
  }
  throw new RemoteOperationError('the hub closed the connection before answering')
}
