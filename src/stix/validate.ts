import { checkCommonProperties } from './common.js'

/**
 * Checks one object that is not a duplicate of a stored version and returns the first rule it
 * breaks, or undefined. The core checks the common properties; per-type schemas and patterns
 * plug in behind this same signature.
 */
export type ObjectValidator = (value: unknown) => string | undefined

export const validateCommon: ObjectValidator = checkCommonProperties
