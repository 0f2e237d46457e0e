/**
 * A rule violation found on one object, and the S-210 phase it belongs to: the validator reports
 * the violation of the earliest phase, so a missing property is named before a bad value, and a
 * bad value before a cross-property or reference rule.
 */

export const Phase = {
  /** type and id syntax (S-003, S-004, S-030, S-040, S-123) */
  syntax: 1,
  /** spec_version (S-041) */
  specVersion: 2,
  /** required properties (S-006, S-070–S-123) */
  required: 3,
  /** property types (S-010–S-024 and per-type value rules) */
  types: 4,
  /** cross-property rules (S-070–S-130) */
  cross: 5,
  /** reference target types (S-038) */
  refs: 6,
  /** markings (S-131–S-142) */
  markings: 7,
  /** extensions and custom content (S-145–S-163) */
  extensions: 8,
  /** indicator patterns (S-128, S-170+) */
  pattern: 9,
} as const

export type PhaseNumber = (typeof Phase)[keyof typeof Phase]

export interface Violation {
  phase: PhaseNumber
  /** the S-id of the rule, e.g. `S-127` */
  sid: string
  /** property path such as `external_references[0].url`; empty for the object as a whole */
  path: string
  reason: string
}

/** `S-127 valid_until: must be later than valid_from` (S-211) */
export const formatViolation = (v: Violation): string =>
  `${v.sid} ${v.path === '' ? '(object)' : v.path}: ${v.reason}`

export type Obj = Record<string, unknown>

export const isObject = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export const joinPath = (base: string, key: string | number): string =>
  typeof key === 'number' ? `${base}[${key}]` : base === '' ? key : `${base}.${key}`
