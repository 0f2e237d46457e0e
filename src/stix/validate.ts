import { checkPattern } from './pattern/index.js'
import { createStixValidator } from './schema/index.js'

/**
 * Checks one object that is not a duplicate of a stored version and returns the first rule it
 * breaks (`S-xxx <path>: <reason>`), or undefined.
 */
export type ObjectValidator = (value: unknown) => string | undefined

/** S-128: a `stix` pattern that does not parse or names unknown object paths is rejected. */
export function patternProblem(pattern: string): string | undefined {
  const result = checkPattern(pattern)
  if (result.ok) return undefined
  const { rule, message, column } = result.error
  return `${rule} ${message} (column ${column})`
}

/** The validator the hub applies on ingest: schemas, the rules schemas cannot state, patterns. */
export function createObjectValidator(): ObjectValidator {
  return createStixValidator({ patternCheck: patternProblem })
}
