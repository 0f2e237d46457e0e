import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REFERENCE_OBJECTS } from '../../../src/services/reference-content.js'
import {
  DISTILL_EXTENSION_IDS,
  DISTILL_VOCABULARY,
  HUB_OPERATOR_ID,
  HUB_STATEMENT_MARKING_ID,
} from '../../../src/stix/distill/vocabulary.js'
import { DIALECTS, deletionAudit } from '../../helpers/db.js'
import { GUIDE_OBJECTS, guideObject } from '../../helpers/guide.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { addCollection, objectsPath, post, restartableHub } from './conformance.js'

const LAB = 'identity--f4a0bc8f-63f2-45bd-9dbe-5b23b2db328a'
const REFERENCE = '/hub/collections/reference/objects/?limit=1000'

const hashed = guideObject('x-distill-hashed-identifier')
const payment = guideObject('x-distill-payment-fingerprint')
const keyedTraffic = guideObject('x-distill-traffic-fingerprint', 'algorithm', 'hmac-sha256')
const without = (o: Record<string, any>, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key))

/** Bad instances of the new SCO types and the rule each must be rejected under. */
const BAD: [string, Record<string, any>, RegExp][] = [
  [
    'G-086 without its extensions entry',
    without(hashed, 'extensions'),
    /^G-086 extensions: .*extension-definition--112d5a6b/,
  ],
  [
    'G-086 with an extensions entry of another extension-definition',
    {
      ...payment,
      extensions: {
        [DISTILL_EXTENSION_IDS['x-distill-hashed-identifier']]: { extension_type: 'new-sco' },
      },
    },
    /^G-086 extensions/,
  ],
  [
    'G-086 with extension_type other than new-sco',
    {
      ...hashed,
      extensions: {
        [DISTILL_EXTENSION_IDS['x-distill-hashed-identifier']]: { extension_type: 'new-sdo' },
      },
    },
    /^G-086 extensions\..*extension_type: must be "new-sco"/,
  ],
  [
    'G-033 a digest of the wrong length',
    { ...hashed, digest_hex: hashed.digest_hex.slice(0, 40) },
    /^G-033 digest_hex: must be 64 lowercase hex/,
  ],
  [
    'S-017 an uppercase hex digest',
    { ...payment, fingerprint_hex: payment.fingerprint_hex.toUpperCase() },
    /^[SG]-0(17|44) fingerprint_hex: .*lowercase hex/,
  ],
  [
    'G-044 a BIN beside a payment fingerprint',
    { ...payment, bin: '411111' },
    /^G-044 bin: card data/,
  ],
  [
    'G-044 the last four, as a custom property',
    { ...payment, x_last4: '1111' },
    /^G-044 x_last4: card data/,
  ],
  [
    'G-044 an expiry inside the extension entry',
    {
      ...payment,
      extensions: {
        [DISTILL_EXTENSION_IDS['x-distill-payment-fingerprint']]: {
          extension_type: 'new-sco',
          expiry: '12/27',
        },
      },
    },
    /^G-044 extensions\.extension-definition--5204c547-9426-4054-bd13-5baf4c569a61\.expiry: card data/,
  ],
  [
    'G-044 a holder name',
    { ...payment, cardholder_name: 'JANE DOE' },
    /^G-044 cardholder_name: card data/,
  ],
  [
    'G-051 a keyed fingerprint without key_id',
    without(keyedTraffic, 'key_id'),
    /^G-051 key_id: is required when the algorithm is keyed/,
  ],
  [
    'G-033 G-005 a hashed identifier whose id is not its deterministic id',
    { ...hashed, key_id: 'hub-id-2026-01' },
    /^G-033 id: must be the deterministic id x-distill-hashed-identifier--[0-9a-f-]{36} .*G-005/,
  ],
  [
    'G-044 G-005 a payment fingerprint with a random id',
    { ...payment, id: 'x-distill-payment-fingerprint--0b4fc3c4-5cf2-4c35-a0b3-7a3bd9bd11c1' },
    /^G-044 id: must be the deterministic id x-distill-payment-fingerprint--3c282dfd-9b96-5b89-ac8c-d67cf821014d/,
  ],
  [
    'G-033 a missing digest',
    without(hashed, 'digest_hex'),
    /^G-033 digest_hex: required property is missing/,
  ],
]

describe.each(DIALECTS)('the distillation vocabulary (%s)', (dialect) => {
  let hub: TestHub
  let token: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
  })
  afterAll(() => hub.close())

  it('G-080 every JSON object of the guide is accepted by the hub', async () => {
    expect(GUIDE_OBJECTS.length).toBeGreaterThanOrEqual(31)
    const guide = await addCollection(hub, { alias: 'guide' })
    const status = await post(hub, token, guide.id, GUIDE_OBJECTS)
    expect(status.failures ?? []).toEqual([])
    expect(status.success_count).toBe(GUIDE_OBJECTS.length)
  })

  it('G-015 G-086 the reference collection serves the TLP objects and the vocabulary over TAXII', async () => {
    const res = await hub.request(REFERENCE, { token })
    expect(res.status).toBe(200)
    const served = res.json.objects as Record<string, unknown>[]
    expect(served).toHaveLength(REFERENCE_OBJECTS.length)
    for (const o of REFERENCE_OBJECTS) expect(served).toContainEqual(o)
    // the objects the guide gives are served verbatim
    for (const id of [HUB_STATEMENT_MARKING_ID, ...Object.values(DISTILL_EXTENSION_IDS)]) {
      expect(served.find((o) => o.id === id)).toEqual(GUIDE_OBJECTS.find((o) => o.id === id))
    }
    const operator = served.find((o) => o.id === HUB_OPERATOR_ID)
    expect(operator).toMatchObject({
      identity_class: 'organization',
      created_by_ref: HUB_OPERATOR_ID,
    })
    const atlas = served
      .filter((o) => o.type === 'attack-pattern')
      .map((o) => (o.external_references as { external_id: string }[])[0]!.external_id)
    expect(atlas.sort()).toEqual(['AML.T0005', 'AML.T0024', 'AML.T0024.002', 'AML.T0040'])
  })

  it('G-004 G-012 every vocabulary object but the marking-definition is CLEAR plus the statement', () => {
    for (const o of DISTILL_VOCABULARY) {
      if (o.type === 'marking-definition') expect(o.object_marking_refs).toBeUndefined()
      else
        expect(o.object_marking_refs).toEqual([
          'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
          HUB_STATEMENT_MARKING_ID,
        ])
    }
  })

  it.each(BAD)('%s is rejected with its rule in the status', async (_name, object, message) => {
    const res = await hub.request(objectsPath('distillation-indicators'), {
      token,
      body: { objects: [object] },
    })
    expect(res.status).toBe(202)
    expect(res.json.success_count).toBe(0)
    expect(res.json.failures).toHaveLength(1)
    expect(res.json.failures[0].message).toMatch(message)
  })

  it('T-171 re-shared vocabulary passes the attribution checks; an altered copy does not', async () => {
    const attributed = await addCollection(hub, { alias: 'attributed', require_attribution: true })
    const lab = await hub.token({ write: ['*'], identities: [LAB] })
    const status = await post(hub, lab, attributed.id, [...REFERENCE_OBJECTS])
    expect(status.success_count).toBe(REFERENCE_OBJECTS.length)
    const altered = {
      ...guideObject('extension-definition'),
      modified: '2025-08-01T00:00:00.000Z',
      version: '1.1.0',
    }
    const res = await hub.request(objectsPath(attributed.id), {
      token: lab,
      body: { objects: [altered] },
    })
    expect(res.json.failures[0].message).toMatch(/^T-171 created_by_ref/)
  })
})

describe.each(DIALECTS)('the vocabulary on a database bootstrapped earlier (%s)', (dialect) => {
  it('G-015 a restart adds the missing vocabulary to the built-in reference collection only', async () => {
    const db = await restartableHub(dialect)
    try {
      let server = await db.start()
      const store = server.deps.store
      const root = (await store.getApiRoot('hub'))!
      const reference = (await store.findCollection(root.pk, 'reference'))!
      // what a hub of an earlier version seeded: the TLP objects only
      for (const o of DISTILL_VOCABULARY) {
        const id = o.id as string
        await store.deleteObjects(
          { collection_pk: reference.pk, object_id: id, default_spec_version: false },
          deletionAudit,
        )
      }
      // an imported API root with a collection of the same alias is not built-in
      const imported = await store.createApiRoot({
        name: 'partner',
        title: 'Imported',
        max_content_length: 1 << 20,
      })
      const theirs = await store.createCollection(imported.pk, {
        id: randomUUID(),
        alias: 'reference',
        title: 'Their reference',
        can_read: true,
        can_write: true,
        media_types: ['application/stix+json;version=2.1'],
      })
      const ids = async (collectionPk: string) =>
        (
          await server.deps.store.listManifest(
            { collection_pk: collectionPk, match_spec_version: ['2.0', '2.1'] },
            undefined,
            1000,
          )
        ).rows.map((r) => `${r.id} ${r.date_added}`)
      expect(await ids(reference.pk)).toHaveLength(
        REFERENCE_OBJECTS.length - DISTILL_VOCABULARY.length,
      )

      server = await db.restart()
      const topped = await ids(reference.pk)
      expect(topped).toHaveLength(REFERENCE_OBJECTS.length)
      for (const o of DISTILL_VOCABULARY) expect(topped.join('\n')).toContain(o.id as string)
      expect(await ids(theirs.pk)).toEqual([])

      server = await db.restart()
      expect(await ids(reference.pk)).toEqual(topped)
    } finally {
      await db.stop()
    }
  })
})
