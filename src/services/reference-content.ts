import { TLP2_EXTENSION_DEFINITION, TLP_MARKING_DEFINITIONS } from '../stix/schema/index.js'

/**
 * The content the hub seeds into the built-in `reference` collection (T-071, S-136): the four
 * TLP 1.0 marking-definitions of STIX 2.1 §7.2.1.4 (S-134), the five TLP 2.0 ones and their
 * extension-definition from the OASIS common objects (S-135), so references to them resolve.
 */
export const REFERENCE_OBJECTS: readonly Record<string, unknown>[] = [
  ...TLP_MARKING_DEFINITIONS,
  TLP2_EXTENSION_DEFINITION,
]

/** Ids of the predefined TLP objects, exempt from attribution checks (T-171). */
export const PREDEFINED_TLP_IDS: ReadonlySet<string> = new Set(
  REFERENCE_OBJECTS.map((o) => o.id as string),
)
