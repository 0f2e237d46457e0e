/**
 * The distillation vocabulary (G-ids): the objects the hub publishes in its read-only `reference`
 * collection so that partners' references resolve — the hub operator's identity, the hub
 * statement marking (G-013), the new-sco extension-definitions of the three SCO types STIX lacks
 * (G-033, G-044, G-051) and the MITRE ATLAS techniques of G-068. Objects the guide gives are taken
 * from it verbatim; every object but the marking-definition carries TLP:CLEAR and the statement
 * marking (G-004, G-012).
 *
 * @see shared/spec/distillation-indicators.md
 */
import { TLP2_MARKING_IDS, type Tlp2Level } from '../schema/tlp.js'

export const HUB_OPERATOR_ID = 'identity--5d17e1ff-afd2-4f22-87be-c4fcf7a0c8c5'

/** G-013: says what the data may be used for; TLP says who may see it. */
export const HUB_STATEMENT_MARKING_ID = 'marking-definition--845697da-719b-42bf-b3aa-3dfdfeabbb25'

/** The new-sco extension-definition of each SCO type the guide adds (G-086). */
export const DISTILL_EXTENSION_IDS = {
  'x-distill-hashed-identifier': 'extension-definition--112d5a6b-1299-4541-b0d5-8384d7025c01',
  'x-distill-payment-fingerprint': 'extension-definition--5204c547-9426-4054-bd13-5baf4c569a61',
  'x-distill-traffic-fingerprint': 'extension-definition--fdd9a82e-e289-4256-ae2f-742716ef646c',
} as const

export type DistillScoType = keyof typeof DISTILL_EXTENSION_IDS

/** ATLAS AML.T0024.002 *Extract AI Model*: the technique every distillation campaign uses. */
export const ATLAS_EXTRACT_AI_MODEL_ID = 'attack-pattern--d4450a27-39cb-4f8c-8e2d-591744dee01d'

/** `object_marking_refs` of G-004: one TLP 2.0 marking plus the hub statement. */
export const markingRefs = (level: Tlp2Level): string[] => [
  TLP2_MARKING_IDS[level],
  HUB_STATEMENT_MARKING_ID,
]

/** The `extensions` entry every instance of a new SCO type carries (G-086). */
export const newScoExtension = (
  type: DistillScoType,
): Record<string, { extension_type: 'new-sco' }> => ({
  [DISTILL_EXTENSION_IDS[type]]: { extension_type: 'new-sco' },
})

const PUBLISHED = '2025-07-14T09:30:00.000Z'

/** The common properties of an SDO or meta object of the hub operator, in the guide's order. */
const hubObject = (type: string, id: string) => ({
  type,
  spec_version: '2.1',
  id,
  created_by_ref: HUB_OPERATOR_ID,
  created: PUBLISHED,
  modified: PUBLISHED,
})

export const HUB_OPERATOR_IDENTITY: Readonly<Record<string, unknown>> = {
  ...hubObject('identity', HUB_OPERATOR_ID),
  name: 'Distillation sharing hub operator',
  description:
    'Operates the hub through which AI labs and cloud providers share indicators of distillation attacks; publishes the reference vocabulary.',
  identity_class: 'organization',
  object_marking_refs: markingRefs('clear'),
}

export const HUB_STATEMENT_MARKING: Readonly<Record<string, unknown>> = {
  type: 'marking-definition',
  spec_version: '2.1',
  id: HUB_STATEMENT_MARKING_ID,
  created_by_ref: HUB_OPERATOR_ID,
  created: PUBLISHED,
  name: 'Hub sharing terms v1',
  definition_type: 'statement',
  definition: {
    statement:
      'Shared under the hub data-sharing agreement v1: use only to detect and prevent abuse of AI services; no re-identification attempts.',
  },
}

function newScoDefinition(
  type: DistillScoType,
  name: string,
  description: string,
): Readonly<Record<string, unknown>> {
  return {
    ...hubObject('extension-definition', DISTILL_EXTENSION_IDS[type]),
    name,
    description,
    schema: `https://hub.example/schemas/${type}/1.0.0/schema.json`,
    version: '1.0.0',
    extension_types: ['new-sco'],
    object_marking_refs: markingRefs('clear'),
  }
}

export const DISTILL_EXTENSION_DEFINITIONS: readonly Readonly<Record<string, unknown>>[] = [
  newScoDefinition(
    'x-distill-hashed-identifier',
    'Hashed personal identifier',
    'New SCO carrying a keyed (HMAC) digest of a normalised personal identifier (email, phone, account id).',
  ),
  newScoDefinition(
    'x-distill-payment-fingerprint',
    'Payment instrument fingerprint',
    'New SCO carrying a keyed (HMAC) fingerprint of a payment instrument; never a raw or plainly hashed PAN.',
  ),
  newScoDefinition(
    'x-distill-traffic-fingerprint',
    'API traffic fingerprint',
    'New SCO carrying a behavioural fingerprint of model-API request traffic (cadence, prompt template, TLS/HTTP client).',
  ),
]

function atlasTechnique(
  id: string,
  externalId: string,
  name: string,
  description: string,
): Readonly<Record<string, unknown>> {
  return {
    ...hubObject('attack-pattern', id),
    name,
    description,
    external_references: [
      {
        source_name: 'mitre-atlas',
        external_id: externalId,
        url: `https://atlas.mitre.org/techniques/${externalId}`,
      },
    ],
    object_marking_refs: markingRefs('clear'),
  }
}

/** G-068: the ATLAS techniques campaigns `uses`, as hub-operator objects everyone may cite. */
export const ATLAS_ATTACK_PATTERNS: readonly Readonly<Record<string, unknown>>[] = [
  atlasTechnique(
    'attack-pattern--f23ffba1-0c9c-444f-adb9-58ce8f19fb62',
    'AML.T0024',
    'Exfiltration via AI Inference API',
    'Exfiltrating information about a model, its training data or its behaviour through its inference API.',
  ),
  atlasTechnique(
    ATLAS_EXTRACT_AI_MODEL_ID,
    'AML.T0024.002',
    'Extract AI Model',
    'Sub-technique of AML.T0024: harvesting the outputs of a model at scale through its inference API to train a functionally equivalent copy (distillation).',
  ),
  atlasTechnique(
    'attack-pattern--7aabf7fb-a844-4ec4-90ad-be30adcbc055',
    'AML.T0040',
    'AI Model Inference API Access',
    'Gaining access to a model through its inference API, e.g. with fraudulently opened accounts.',
  ),
  atlasTechnique(
    'attack-pattern--cca1ac1c-ba42-4343-8a05-77266a5aa2b8',
    'AML.T0005',
    'Create Proxy AI Model',
    'Building a proxy of the target model, e.g. by training on harvested outputs.',
  ),
]

/** Everything the hub adds to the `reference` collection besides the TLP objects. */
export const DISTILL_VOCABULARY: readonly Readonly<Record<string, unknown>>[] = [
  HUB_OPERATOR_IDENTITY,
  HUB_STATEMENT_MARKING,
  ...DISTILL_EXTENSION_DEFINITIONS,
  ...ATLAS_ATTACK_PATTERNS,
]
