import type { EnvelopeItem } from './envelope.js'
import type { ObjectValidator } from './validate.js'

/** Whole numbers written with a fraction or an exponent checked per object: the first say enough. */
const MAX_CHECKED = 8

type Container = Record<string | number, unknown>

/**
 * S-019: an integer is a JSON number without a fraction or an exponent. `JSON.parse` reads `50.0`
 * as 50, so the schemas let it pass, and the hub would serve the text as posted to consumers that
 * parse it strictly (Go's encoding/json refuses `50.0` for an int: the whole page fails for them).
 * Each whole number so written (the item's `decimals`) is moved half a unit toward zero, which
 * keeps it within any range it was in, and the object, valid until then, is validated again: if it
 * now fails at that path, the property takes integers only. `value` is left as it was.
 */
export function spelledIntegerProblem(
  validate: ObjectValidator,
  { value, decimals }: Pick<EnvelopeItem, 'value' | 'decimals'>,
): string | undefined {
  // most objects write no such number: nothing to allocate for them on the ingest path
  if (decimals === undefined) return undefined
  for (const { route, path, spelling } of decimals.slice(0, MAX_CHECKED)) {
    let parent: unknown = value
    for (const key of route.slice(0, -1)) parent = (parent as Container | undefined)?.[key]
    const key = route[route.length - 1]
    if (typeof parent !== 'object' || parent === null || key === undefined) continue
    const holder = parent as Container
    const kept = holder[key]
    if (typeof kept !== 'number') continue
    holder[key] = kept - Math.sign(kept) * 0.5 || 0.5
    const problem = validate(value)
    holder[key] = kept
    if (problem?.slice(problem.indexOf(' ') + 1).startsWith(`${path}: `)) {
      return `S-019 ${path}: an integer is written without a fraction or an exponent, not ${spelling}`
    }
  }
  return undefined
}
