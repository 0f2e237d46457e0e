import { DISTILL_VOCABULARY } from '../stix/distill/vocabulary.js'
import { canonicalJson } from '../stix/schema/deterministic-id.js'
import { TLP2_EXTENSION_DEFINITION, TLP_MARKING_DEFINITIONS } from '../stix/schema/index.js'

/**
 * The content the hub seeds into the built-in `reference` collection (T-071, S-136, G-015): the
 * four TLP 1.0 marking-definitions of STIX 2.1 §7.2.1.4 (S-134), the five TLP 2.0 ones and their
 * extension-definition from the OASIS common objects (S-135), and the distillation vocabulary
 * (the hub operator's identity, statement marking, extension-definitions and ATLAS techniques),
 * so references to them resolve.
 */
export const REFERENCE_OBJECTS: readonly Readonly<Record<string, unknown>>[] = [
  ...TLP_MARKING_DEFINITIONS,
  TLP2_EXTENSION_DEFINITION,
  ...DISTILL_VOCABULARY,
]

const PREDEFINED_TLP_IDS: ReadonlySet<string> = new Set(
  [...TLP_MARKING_DEFINITIONS, TLP2_EXTENSION_DEFINITION].map((o) => o.id as string),
)

const VOCABULARY_TEXT: ReadonlyMap<string, string> = new Map(
  DISTILL_VOCABULARY.map((o) => [o.id as string, canonicalJson(o)]),
)

/**
 * Whether `o` is built-in reference content, which anyone may re-share without attribution checks
 * (T-171): a predefined TLP object (the validator holds those to their exact content) or a
 * vocabulary object exactly as the hub serves it.
 */
export function isReferenceObject(o: Readonly<Record<string, unknown>>): boolean {
  if (typeof o.id !== 'string') return false
  if (PREDEFINED_TLP_IDS.has(o.id)) return true
  const text = VOCABULARY_TEXT.get(o.id)
  return text !== undefined && text === canonicalJson(o)
}
