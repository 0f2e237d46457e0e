/**
 * STIX 2.1 patterning (spec §11, STIX §9): parser, semantic checks and printer.
 *
 * `parsePattern` is the grammar only (it throws PatternSyntaxError); `checkPattern` parses and
 * runs the semantic checks, never throws, and is what indicator validation (S-128) uses for
 * `pattern_type: stix`. Positions: `offset` in UTF-16 code units, `line`/`column` 1-based, the
 * column counted in Unicode code points (see errors.ts).
 */

import type { Pattern } from './ast.js'
import { PatternSyntaxError, type PatternIssue } from './errors.js'
import { parsePattern } from './parser.js'
import { analyzePattern, type SemanticOptions } from './semantics.js'

export type * from './ast.js'
export {
  PatternSyntaxError,
  formatIssue,
  positionAt,
  type PatternIssue,
  type Position,
} from './errors.js'
export { MAX_NESTING, parsePattern } from './parser.js'
export { printPattern, printPath, printLiteral } from './print.js'
export { analyzePattern, type SemanticOptions, type SemanticResult } from './semantics.js'
export { checkPcre } from './pcre.js'

export type CheckOptions = SemanticOptions

export type CheckResult =
  | { ok: true; pattern: Pattern; warnings: PatternIssue[] }
  | { ok: false; error: PatternIssue; warnings: PatternIssue[] }

/**
 * Parses and checks a pattern: syntax (spec §11.1–11.2) then semantics (§11.3). On failure,
 * `error` is the first problem by position (a syntax error stops before the semantic checks);
 * `rule` is its S-id. Warnings (S-181 STOP ≤ START, S-130) never make the check fail.
 */
export function checkPattern(text: string, options: CheckOptions = {}): CheckResult {
  let pattern: Pattern
  try {
    pattern = parsePattern(text)
  } catch (e) {
    if (e instanceof PatternSyntaxError) return { ok: false, error: e.toIssue(), warnings: [] }
    throw e
  }
  const { errors, warnings } = analyzePattern(pattern, text, options)
  const first = errors[0]
  if (first !== undefined) return { ok: false, error: first, warnings }
  return { ok: true, pattern, warnings }
}
