import type { OperationInput, OperationName, OperationOutput } from '../admin/operations.js'
import type { Config } from '../config.js'

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
): Promise<OperationOutput<N>> {
  if (config.database.kind === 'pglite' && config.database.dataDir !== 'memory') {
    const { readLock } = await import('../admin/lock.js')
    const lock = readLock(config.database.dataDir)
    if (lock !== undefined) {
      if (lock.url === '')
        throw new RemoteOperationError(
          'the hub holding the data directory is still starting; retry',
        )
      const res = await fetch(`${lock.url}/admin/v1/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lock.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      })
      const body = (await res.json()) as { error?: string }
      if (!res.ok) throw new RemoteOperationError(body.error ?? `hub answered ${res.status}`)
      return body as OperationOutput<N>
    }
  }
  const [{ openHub }, { operations }] = await Promise.all([
    import('../hub.js'),
    import('../admin/operations.js'),
  ])
  const deps = await openHub(config)
  try {
    const run = operations[name] as (d: typeof deps, i: unknown) => Promise<OperationOutput<N>>
    return await run(deps, input)
  } finally {
    await deps.store.close()
  }
}
