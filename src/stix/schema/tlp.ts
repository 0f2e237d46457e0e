/**
 * The predefined TLP marking definitions: TLP 1.0 from STIX 2.1 §7.2.1.4 (S-134) and TLP 2.0 from
 * the OASIS common-objects extension (S-135, S-136). A marking-definition using TLP must be one of
 * these objects exactly.
 */
import type { Obj } from './violation.js'

export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d'

const TLP1: Readonly<Record<string, readonly [name: string, level: string]>> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': ['TLP:WHITE', 'white'],
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': ['TLP:GREEN', 'green'],
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': ['TLP:AMBER', 'amber'],
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': ['TLP:RED', 'red'],
}

export type Tlp2Level = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red'

/** The TLP 2.0 marking-definition ids by level, for producers marking their objects (S-135). */
export const TLP2_MARKING_IDS: Readonly<Record<Tlp2Level, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
}

/** The TLP 1.0 marking-definition (STIX 2.1 form) with this id, if it is one. */
export function tlp1Definition(id: string): Obj | undefined {
  const entry = TLP1[id]
  if (entry === undefined) return undefined
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: entry[0],
    definition: { tlp: entry[1] },
  }
}

const TLP2: Readonly<Record<string, readonly [name: string, level: Tlp2Level]>> =
  Object.fromEntries(
    Object.entries(TLP2_MARKING_IDS).map(([level, id]) => [
      id,
      [`TLP:${level.toUpperCase()}`, level as Tlp2Level],
    ]),
  )

/** The TLP 2.0 marking-definition with this id, if it is one. */
export function tlp2Definition(id: string): Obj | undefined {
  const entry = TLP2[id]
  if (entry === undefined) return undefined
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2022-10-01T00:00:00.000Z',
    name: entry[0],
    extensions: {
      [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: entry[1] },
    },
  }
}

/** The extension-definition of TLP 2.0 (OASIS common objects), which its markings name. */
export const TLP2_EXTENSION_DEFINITION: Obj = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: TLP2_EXTENSION_ID,
  created_by_ref: 'identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01',
  created: '2022-10-01T00:00:00.000Z',
  modified: '2022-10-01T00:00:00.000Z',
  name: 'TLP 2.0',
  description: 'This defines TLP 2.0 as a STIX extension',
  schema:
    'https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0',
  version: '1.0.0',
  extension_types: ['property-extension'],
}

/** All nine predefined TLP marking definitions, e.g. for seeding the reference collection. */
export const TLP_MARKING_DEFINITIONS: readonly Obj[] = [
  ...Object.keys(TLP1).map((id) => tlp1Definition(id) as Obj),
  ...Object.keys(TLP2).map((id) => tlp2Definition(id) as Obj),
]
