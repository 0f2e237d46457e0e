import { readFileSync } from 'node:fs'

/**
 * The modelling guide (shared/spec/distillation-indicators.md, copied verbatim into the fixtures
 * so a fresh clone tests on its own): its JSON examples are the fixtures of the vocabulary tests.
 */
export const GUIDE = readFileSync(
  new URL('../fixtures/spec/distillation-indicators.md', import.meta.url),
  'utf8',
)

/** Every ```json block of the guide, parsed, in document order. */
export const GUIDE_OBJECTS: Record<string, any>[] = [
  ...GUIDE.matchAll(/```json\n([\s\S]*?)```/g),
].map((m) => JSON.parse(m[1]!) as Record<string, any>)

/** The guide's example of the given type whose property `key` is `value` (the first if omitted). */
export function guideObject(type: string, key?: string, value?: unknown): Record<string, any> {
  const found = GUIDE_OBJECTS.find(
    (o) => o.type === type && (key === undefined || o[key] === value),
  )
  if (found === undefined)
    throw new Error(`the guide has no ${type} with ${key} = ${String(value)}`)
  return found
}
