import { inspect } from 'node:util'

/**
 * A thrown value in one line: an error's message, or what inspect shows of anything else. Not
 * everything thrown is an Error: PGlite's file system failures are plain objects, which String()
 * turns into "[object Object]".
 */
export function thrownMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message
  const message = (thrown as { message?: unknown } | null | undefined)?.message
  if (typeof message === 'string' && message !== '') return message
  return inspect(thrown, { breakLength: Infinity, depth: 2 })
}

/** The name of a thrown Error (its class's, or one it was given), undefined for anything else. */
export const thrownName = (thrown: unknown): string | undefined =>
  thrown instanceof Error ? thrown.name : undefined
