/**
 * The content the hub seeds into the built-in `reference` collection (T-071, S-136): the four
 * TLP 1.0 marking-definitions of STIX 2.1 §7.2.1.4 (S-134), the five TLP 2.0 ones and their
 * extension-definition from the OASIS common objects (S-135), so references to them resolve.
 */

const TLP1 = [
  ['613f2e26-407d-48c7-9eca-b8e91df99dc9', 'white'],
  ['34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green'],
  ['f88d31f6-486f-44da-b317-01333bde0b82', 'amber'],
  ['5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red'],
] as const

const TLP2 = [
  ['94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'],
  ['bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'],
  ['55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'],
  ['939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'],
  ['e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'],
] as const

export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d'

export const REFERENCE_OBJECTS: readonly Record<string, unknown>[] = [
  ...TLP1.map(([uuid, level]) => ({
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuid}`,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${level.toUpperCase()}`,
    definition: { tlp: level },
  })),
  {
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
  },
  ...TLP2.map(([uuid, level]) => ({
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuid}`,
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${level.toUpperCase()}`,
    extensions: {
      [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level },
    },
  })),
]

/** Ids of the predefined TLP objects, exempt from attribution checks (T-171). */
export const PREDEFINED_TLP_IDS: ReadonlySet<string> = new Set(
  REFERENCE_OBJECTS.map((o) => o.id as string),
)
