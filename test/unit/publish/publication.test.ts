import { describe, expect, it } from 'vitest'
import { normaliseIp } from '../../../src/publish/ip.js'
import {
  buildPublication,
  identityIdFor,
  type Publication,
  type PublishOptions,
} from '../../../src/publish/publication.js'
import { RowError } from '../../../src/publish/row-error.js'
import type { RowItem } from '../../../src/publish/rows.js'
import { ATLAS_EXTRACT_AI_MODEL_ID } from '../../../src/stix/distill/vocabulary.js'
import { createObjectValidator } from '../../../src/stix/validate.js'
import { guideObject } from '../../helpers/guide.js'

const ID_KEY = { id: 'hub-id-2025-07', secret: Uint8Array.from({ length: 32 }, (_, i) => i) }
const PAY_KEY = {
  id: 'hub-pay-2025-07',
  secret: Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i),
}
const CLEAR = 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487'
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'
const AMBER = 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'
const AMBER_STRICT = 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003'
const STATEMENT = 'marking-definition--845697da-719b-42bf-b3aa-3dfdfeabbb25'
const CADENCE = JSON.stringify(
  guideObject('x-distill-traffic-fingerprint', 'algorithm', 'cadence-v1').features,
)

const validate = createObjectValidator()
const OPTIONS: PublishOptions = {
  identity: { name: 'Example AI Lab' },
  campaign: { name: 'HYDRA-0042 output harvesting, 2025-Q3' },
  campaignTlp: 'amber+strict',
  validFrom: '2025-07-14T09:30:00.000Z',
  keys: { identifier: ID_KEY, payment: PAY_KEY },
  validate,
}

async function* rowsOf(...rows: Record<string, unknown>[]): AsyncGenerator<RowItem> {
  let line = 1
  for (const fields of rows) yield { line: ++line, fields }
}

const publish = (rows: Record<string, unknown>[], opts: Partial<PublishOptions> = {}) =>
  buildPublication(rowsOf(...rows), { ...OPTIONS, ...opts })

const ofType = (p: Publication, type: string) => p.objects.filter((o) => o.type === type)
const indicatorOf = async (row: Record<string, unknown>) => {
  const p = await publish([row])
  expect(p.rejected).toEqual([])
  return ofType(p, 'indicator')[0]!
}

describe('G-021 address normalisation', () => {
  it.each([
    ['203.0.113.7/24', 'ipv4-addr', '203.0.113.0/24'],
    ['203.0.113.7/32', 'ipv4-addr', '203.0.113.7'],
    [' 198.51.100.9 ', 'ipv4-addr', '198.51.100.9'],
    ['2001:DB8:4A00:0:0::1/40', 'ipv6-addr', '2001:db8:4a00::/40'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/128', 'ipv6-addr', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', 'ipv6-addr', '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.1', 'ipv4-addr', '192.0.2.1'],
    ['::ffff:192.0.2.1/120', 'ipv4-addr', '192.0.2.0/24'],
  ])('%s is %s %s', (input, type, value) => {
    expect(normaliseIp(input)).toEqual({ type, value })
  })

  it.each(['010.0.0.1', '1.2.3', '203.0.113.0/33', '2001:db8::/129', 'fe80::1%eth0', 'a/b/c', ''])(
    '%s is refused',
    (input) => expect(() => normaliseIp(input)).toThrow(RowError),
  )

  it('ipv4-cidr and ipv6-cidr refuse the other family', () => {
    expect(() => normaliseIp('2001:db8::/32', 'ipv4')).toThrow(/not an IPv4/)
    expect(() => normaliseIp('192.0.2.0/24', 'ipv6')).toThrow(/not an IPv6/)
  })
})

describe('buildPublication', () => {
  it('G-005 G-025 G-037 G-045 G-056 rows become the guide’s SCOs, with valid patterns', async () => {
    const p = await publish([
      { kind: 'ipv4-cidr', value: '203.0.113.99/24' },
      { kind: 'ip', value: '2001:db8:4a00::/40' },
      { kind: 'asn', value: 'AS64500' },
      { kind: 'email', value: '  Jane.Doe+promo@Burner-Mail.example' },
      { kind: 'email-domain', value: 'Burner-Mail.example' },
      { kind: 'payment', value: 'V0010013019AQ9KZ4T7BX2M5NP8QR', card_brand: 'visa' },
      { kind: 'traffic-fingerprint', fingerprint_kind: 'request-cadence', features: CADENCE },
      {
        kind: 'traffic-fingerprint',
        fingerprint_kind: 'tls-client',
        value: 't13d1516h2_8daaf6152771_b186095e22b6',
      },
      {
        kind: 'traffic-fingerprint',
        fingerprint_kind: 'prompt-template',
        value: 'E14EA4B47090115B1367166AAA6E694152C1CD0AA6EA117B93D3AFF1408016B1',
      },
    ])
    expect(p.rejected).toEqual([])
    expect(p.converted).toBe(9)
    const scoIds = p.objects.filter((o) => !('created' in o)).map((o) => o.id)
    for (const [type, key, value] of [
      ['ipv4-addr', 'value', '203.0.113.0/24'],
      ['ipv6-addr', 'value', '2001:db8:4a00::/40'],
      ['autonomous-system', 'number', 64500],
      ['x-distill-hashed-identifier', 'key_id', 'hub-id-2025-07'],
      ['domain-name', 'value', 'burner-mail.example'],
      ['x-distill-payment-fingerprint', 'key_id', 'hub-pay-2025-07'],
      ['x-distill-traffic-fingerprint', 'algorithm', 'cadence-v1'],
      ['x-distill-traffic-fingerprint', 'algorithm', 'ja4'],
      ['x-distill-traffic-fingerprint', 'algorithm', 'hmac-sha256'],
    ] as const) {
      expect(scoIds).toContain(guideObject(type, key, value).id)
    }
    // every object passed the hub's validator (patterns parsed) before it was kept
    for (const o of p.objects) expect(validate(o), String(o.id)).toBeUndefined()
    const patterns = ofType(p, 'indicator').map((o) => o.pattern)
    expect(patterns).toContain("[ipv4-addr:value ISSUBSET '203.0.113.0/24']")
    expect(patterns).toContain(guideObject('indicator', 'confidence', 80).pattern)
    expect(patterns).toContain(guideObject('indicator', 'confidence', 85).pattern)
    expect(patterns).toContain(
      "[email-addr:value LIKE '%@burner-mail.example'] OR [domain-name:value = 'burner-mail.example']",
    )
  })

  it('G-001 G-061 G-084 emits the identity, the campaign and one indicates per row', async () => {
    const p = await publish([
      { kind: 'ip', value: '198.51.100.0/24' },
      { kind: 'asn', value: '64501' },
    ])
    const [identity] = ofType(p, 'identity')
    expect(identity).toMatchObject({
      id: identityIdFor('Example AI Lab'),
      created_by_ref: identityIdFor('Example AI Lab'),
      identity_class: 'organization',
      object_marking_refs: [CLEAR, STATEMENT],
    })
    const [campaign] = ofType(p, 'campaign')
    expect(campaign).toMatchObject({
      name: 'HYDRA-0042 output harvesting, 2025-Q3',
      created_by_ref: identity!.id,
      object_marking_refs: [AMBER_STRICT, STATEMENT],
    })
    const relationships = ofType(p, 'relationship')
    expect(relationships.filter((r) => r.relationship_type === 'uses')).toEqual([
      expect.objectContaining({ source_ref: campaign!.id, target_ref: ATLAS_EXTRACT_AI_MODEL_ID }),
    ])
    const indicates = relationships.filter((r) => r.relationship_type === 'indicates')
    expect(indicates.map((r) => r.source_ref).sort()).toEqual(
      ofType(p, 'indicator')
        .map((i) => i.id)
        .sort(),
    )
    for (const r of indicates) {
      expect(r.target_ref).toBe(campaign!.id)
      // G-014: the link to an AMBER+STRICT campaign is AMBER+STRICT
      expect(r.object_marking_refs).toEqual([AMBER_STRICT, STATEMENT])
    }
    for (const o of p.objects.filter((x) => 'created' in x))
      expect(o.created_by_ref).toBe(identity!.id)
  })

  it('an identity and a campaign named by id are referenced, not emitted', async () => {
    const identity = 'identity--f4a0bc8f-63f2-45bd-9dbe-5b23b2db328a'
    const campaign = 'campaign--9314d6b3-2308-446d-a479-0f48c2d8ea25'
    const p = await publish([{ kind: 'asn', value: '64500' }], {
      identity: { id: identity },
      campaign: { id: campaign },
    })
    expect(p.objects.map((o) => o.type).sort()).toEqual([
      'autonomous-system',
      'indicator',
      'relationship',
    ])
    expect(ofType(p, 'relationship')[0]).toMatchObject({
      created_by_ref: identity,
      target_ref: campaign,
    })
  })

  it('G-003 G-012 G-070 each class gets its lifetime, confidence, TLP and indicator types', async () => {
    const cases: [Record<string, unknown>, number, number, string, string][] = [
      [{ kind: 'ip', value: '203.0.113.0/24' }, 30, 60, GREEN, 'anonymization'],
      [
        { kind: 'ip', value: '192.0.2.77', proxy_type: 'residential' },
        7,
        20,
        AMBER,
        'anonymization',
      ],
      [{ kind: 'asn', value: '64500' }, 90, 40, GREEN, 'anonymization'],
      [{ kind: 'phone', value: '+15555550123' }, 180, 80, AMBER_STRICT, 'malicious-activity'],
      [
        { kind: 'account-id', value: 'api.example:org-4711' },
        180,
        80,
        AMBER_STRICT,
        'malicious-activity',
      ],
      [
        { kind: 'payment', value: '4111 1111 1111 1111' },
        180,
        85,
        AMBER_STRICT,
        'malicious-activity',
      ],
      [{ kind: 'email-domain', value: 'burner-mail.example' }, 60, 50, GREEN, 'anomalous-activity'],
      [
        {
          kind: 'traffic-fingerprint',
          fingerprint_kind: 'http-client',
          value: 'host,accept,user-agent',
        },
        30,
        30,
        AMBER,
        'anomalous-activity',
      ],
      [
        { kind: 'traffic-fingerprint', fingerprint_kind: 'request-cadence', features: CADENCE },
        90,
        55,
        AMBER,
        'anomalous-activity',
      ],
    ]
    for (const [row, days, confidence, tlp, type] of cases) {
      const indicator = await indicatorOf(row)
      expect(indicator, JSON.stringify(row)).toMatchObject({
        created: '2025-07-14T09:30:00.000Z',
        modified: '2025-07-14T09:30:00.000Z',
        valid_from: '2025-07-14T09:30:00.000Z',
        valid_until: new Date(
          Date.parse('2025-07-14T09:30:00.000Z') + days * 86_400_000,
        ).toISOString(),
        confidence,
        indicator_types: [type],
        pattern_type: 'stix',
        pattern_version: '2.1',
        object_marking_refs: [tlp, STATEMENT],
        name: expect.any(String),
        description: expect.any(String),
      })
    }
  })

  it('per-row valid_from, valid_until, confidence, tlp, name and description win', async () => {
    const indicator = await indicatorOf({
      kind: 'ip',
      value: '203.0.113.0/24',
      valid_from: '2025-08-01',
      valid_until: '2025-08-02T12:00:00+02:00',
      confidence: '75',
      tlp: 'TLP:AMBER',
      name: 'egress',
      description: 'seen by our gateway',
    })
    expect(indicator).toMatchObject({
      created: '2025-08-01T00:00:00.000Z',
      valid_from: '2025-08-01T00:00:00.000Z',
      valid_until: '2025-08-02T10:00:00.000Z',
      confidence: 75,
      object_marking_refs: [AMBER, STATEMENT],
      name: 'egress',
      description: 'seen by our gateway',
    })
  })

  it('re-publishing the same rows yields byte-identical objects; a changed row new ones', async () => {
    const rows = [
      { kind: 'ip', value: '203.0.113.0/24' },
      { kind: 'email', value: 'someone@example.org' },
    ]
    const first = JSON.stringify((await publish(rows)).objects)
    expect(JSON.stringify((await publish(rows)).objects)).toBe(first)
    const changed = await publish([{ ...rows[0]!, confidence: '65' }, rows[1]!])
    const before = JSON.parse(first) as { id: string }[]
    const newIds = changed.objects.map((o) => o.id).filter((id) => !before.some((b) => b.id === id))
    // the changed row's indicator and relationship; its SCO is the same observable
    expect(newIds.map((id) => String(id).split('--')[0]).sort()).toEqual([
      'indicator',
      'relationship',
    ])
  })

  it('repeated rows are published once', async () => {
    const p = await publish([
      { kind: 'ip', value: '203.0.113.0/24' },
      { kind: 'ip', value: '203.0.113.0/24' },
    ])
    expect(p.converted).toBe(2)
    expect(ofType(p, 'indicator')).toHaveLength(1)
  })

  it('G-031 G-081 G-082 personal data never appears in clear', async () => {
    const secrets = [
      'jane.doe@burner-mail.example',
      '+15555550123',
      'org-4711',
      '4111111111111111',
      'GB82WEST12345698765432',
    ]
    const p = await publish([
      { kind: 'email', value: 'Jane.Doe@Burner-Mail.example' },
      { kind: 'phone', value: '+1 555 555 0123' },
      { kind: 'account-id', value: 'api.example:org-4711' },
      { kind: 'payment', value: '4111-1111-1111-1111' },
      { kind: 'payment', value: 'GB82 WEST 1234 5698 7654 32' },
      { kind: 'email', value: 'x@y', name: 'not a valid address' },
      { kind: 'email', value: 'jane@mail.example', description: 'from JANE@mail.example' },
    ])
    const text = JSON.stringify(p)
    for (const s of [...secrets, '411111', '1111-1111', 'jane@mail.example', 'x@y']) {
      expect(text.toLowerCase()).not.toContain(s.toLowerCase())
    }
    expect(p.rejected).toEqual([
      { line: 7, reason: 'the domain of the e-mail address is not a valid domain name' },
      { line: 8, reason: 'description repeats the personal data the row hashes' },
    ])
    expect(ofType(p, 'x-distill-payment-fingerprint').map((o) => o.instrument_type)).toEqual([
      'card',
      'bank-account',
    ])
  })

  it('G-040 rows that need a missing key are listed apart, by purpose', async () => {
    const p = await publish(
      [
        { kind: 'email', value: 'a@example.org' },
        { kind: 'ip', value: '192.0.2.0/24' },
        { kind: 'payment', value: '4111111111111111' },
        {
          kind: 'traffic-fingerprint',
          fingerprint_kind: 'prompt-template',
          value: 'ab'.repeat(32),
        },
      ],
      { keys: { identifier: { id: 'hub-id-2025-07' } } },
    )
    expect(p.missingKeys).toEqual({ identifier: [2], payment: [4] })
    expect(p.converted).toBe(2)
    expect(ofType(p, 'x-distill-traffic-fingerprint')[0]).toMatchObject({
      key_id: 'hub-id-2025-07',
    })
  })

  it('a row that cannot be converted is reported with its line and reason; the rest go on', async () => {
    const p = await publish([
      { kind: 'ip', value: '203.0.113.0/24' },
      { value: '1.2.3.4' },
      { kind: 'fax', value: '1' },
      { kind: 'ip', value: '300.1.1.1' },
      { kind: 'asn', value: 'AS-x' },
      { kind: 'payment', value: '4111111111111112' },
      { kind: 'ip', value: '192.0.2.0/24', confidence: '101' },
      { kind: 'ip', value: '192.0.2.0/24', tlp: 'purple' },
      { kind: 'email', value: 'a@example.org', tlp: 'green' },
      { kind: 'ip', value: '192.0.2.0/24', valid_from: '2025-02-30' },
      { kind: 'ip', value: '192.0.2.0/24', valid_from: '2025-07-02', valid_until: '2025-07-01' },
      { kind: 'traffic-fingerprint', fingerprint_kind: 'tls-client', value: 'not-ja4' },
      { kind: 'traffic-fingerprint', fingerprint_kind: 'request-cadence', features: '{"a":1}' },
      { kind: 'traffic-fingerprint', fingerprint_kind: 'sampling-profile', value: 'x' },
      { kind: 'email-domain', value: 'someone@burner.example' },
      { kind: 'ip', value: '198.51.100.0/24' },
    ])
    expect(p.converted).toBe(2)
    expect(p.rejected.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    expect(p.rejected.map((r) => r.reason)).toEqual([
      'kind is missing',
      expect.stringMatching(/^kind must be one of ip, ipv4-cidr/),
      expect.stringMatching(/^not an IPv4 address/),
      expect.stringMatching(/^not an AS number/),
      expect.stringMatching(/^not a card number .*Luhn/),
      'confidence must be a whole number from 0 to 100',
      expect.stringMatching(/^tlp must be/),
      'digests of personal or payment data are shared at TLP:AMBER or above',
      expect.stringMatching(/^valid_from must be a date/),
      'valid_until must be later than valid_from',
      'value is not a JA4 fingerprint',
      'cadence-v1 has no feature a',
      'a sampling-profile fingerprint needs its algorithm',
      'give the domain only, not an e-mail address',
    ])
  })

  it('reports unknown columns', async () => {
    const p = await publish([{ kind: 'ip', value: '192.0.2.0/24', valid_untill: '2025-09-01' }])
    expect(p.unknownFields).toEqual(['valid_untill'])
  })

  it('G-035 a sign-up domain with _ is matched with MATCHES, not LIKE', async () => {
    const indicator = await indicatorOf({ kind: 'email-domain', value: 'mail_x.example' })
    expect(indicator.pattern).toBe(
      "[email-addr:value MATCHES '@mail_x\\\\.example$'] OR [domain-name:value = 'mail_x.example']",
    )
  })
})
