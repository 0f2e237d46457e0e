import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cadenceFeatures, cadenceValue } from '../../../../src/stix/distill/cadence.js'
import {
  IDENTIFIER_RECIPES,
  keyedDigest,
  luhnValid,
  NormalizationError,
  normalizeAccountId,
  normalizeEmail,
  normalizeIban,
  normalizePan,
  normalizePar,
  normalizePhone,
  PAYMENT_RECIPES,
} from '../../../../src/stix/distill/keyed-hash.js'
import { guideObject } from '../../../helpers/guide.js'

/** The guide's demo keys (never for production): bytes 00…1f and 20…3f. */
const ID_KEY = Uint8Array.from({ length: 32 }, (_, i) => i)
const PAY_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i)

describe('G-040 G-034 keyed identifier digests', () => {
  it('G-034 G-040 the e-mail test vector', () => {
    const normalised = normalizeEmail('  Jane.Doe+promo@Burner-Mail.example')
    expect(normalised).toBe('jane.doe@burner-mail.example')
    const digest = keyedDigest(ID_KEY, 'email', 'email-v1', normalised)
    expect(digest).toBe('da9a1c8b298b6a46542635642a5ade756c3a12366e7dbf7bb0e4eb009c95462b')
    expect(guideObject('x-distill-hashed-identifier').digest_hex).toBe(digest)
  })

  it('G-034 G-040 the phone test vector', () => {
    const normalised = normalizePhone('+1 (555) 555-0123')
    expect(normalised).toBe('+15555550123')
    expect(keyedDigest(ID_KEY, 'phone', 'phone-e164-v1', normalised)).toBe(
      '758ba6d2ca00d800339a7e61105a3e06adfa043581f0ebfa5b5d9b4dc349425f',
    )
  })

  it('G-053 the prompt-template test vector is the guide’s fingerprint value', () => {
    const text = 'you are a helpful assistant. answer step by step and show all reasoning: <q>'
    const digest = keyedDigest(ID_KEY, 'prompt-template', 'template-v1', text)
    expect(digest).toBe('e14ea4b47090115b1367166aaa6e694152c1cd0aa6ea117b93d3aff1408016b1')
    expect(guideObject('x-distill-traffic-fingerprint', 'key_id', 'hub-id-2025-07').value).toBe(
      digest,
    )
  })

  it('G-034 email-v1: IDNA A-labels, +tags and gmail dots', () => {
    expect(normalizeEmail('Jürgen@Bücher.example')).toBe('jürgen@xn--bcher-kva.example')
    expect(normalizeEmail('J.Doe+x+y@GoogleMail.com')).toBe('jdoe@gmail.com')
    expect(normalizeEmail('j.doe@gmail.com')).toBe('jdoe@gmail.com')
    expect(normalizeEmail('a.b+c@other.example')).toBe('a.b@other.example')
    for (const bad of [
      'no-at-sign',
      '@domain.example',
      'a@',
      'a b@x.example',
      '+tag@x.example',
      'a@localhost',
    ]) {
      expect(() => normalizeEmail(bad), bad).toThrow(NormalizationError)
    }
  })

  it('G-034 phone-e164-v1 and account-id-v1', () => {
    expect(normalizePhone('0044 20 7946 0958')).toBe('+442079460958')
    expect(() => normalizePhone('020 7946 0958')).toThrow(NormalizationError)
    expect(() => normalizePhone('+0123')).toThrow(NormalizationError)
    expect(normalizeAccountId(' API.Example:Org-4711 ')).toBe('api.example:Org-4711')
    expect(() => normalizeAccountId('org-4711')).toThrow(NormalizationError)
    expect(() => normalizeAccountId('api.example:')).toThrow(NormalizationError)
  })

  it('NormalizationError messages never repeat the value', () => {
    for (const [normalize, value] of [
      [normalizeEmail, 'secret person@'],
      [normalizePan, '4111 1111 1111 1112'],
      [normalizeIban, 'GB82 WEST 1234 5698 7654 33'],
    ] as const) {
      expect(() => normalize(value)).toThrow(NormalizationError)
      try {
        normalize(value)
      } catch (err) {
        expect((err as Error).message).not.toContain(value.slice(0, 6))
      }
    }
  })

  it('lists the recipes under the kinds and normalisation names of the guide', () => {
    expect(Object.values(IDENTIFIER_RECIPES).map((r) => r.normalization)).toEqual([
      'email-v1',
      'phone-e164-v1',
      'account-id-v1',
    ])
    expect(Object.values(PAYMENT_RECIPES).map((r) => r.normalization)).toEqual([
      'par-v1',
      'pan-v1',
      'iban-v1',
    ])
  })
})

describe('G-044 keyed payment fingerprints', () => {
  it('G-044 the PAR test vector is the guide’s fingerprint', () => {
    const par = normalizePar('v0010013019aq9kz4t7bx2m5np8qr')
    expect(par).toBe('V0010013019AQ9KZ4T7BX2M5NP8QR')
    const digest = keyedDigest(PAY_KEY, 'par', 'par-v1', par)
    expect(digest).toBe('25107335438bfa6ad9b12ff38cb90da9dce76c140203c88ed985cfd313c35097')
    expect(guideObject('x-distill-payment-fingerprint').fingerprint_hex).toBe(digest)
  })

  it('G-042 G-044 the PAN test vector, never its plain SHA-256', () => {
    const pan = normalizePan('4111 1111 1111 1111')
    expect(pan).toBe('4111111111111111')
    const digest = keyedDigest(PAY_KEY, 'pan', 'pan-v1', pan)
    expect(digest).toBe('0adb0287ea620d628a83e2f7d75d56368f016829fb6cb83244032af84c549a0c')
    expect(createHash('sha256').update(pan).digest('hex')).toMatch(/^9bbef194/)
  })

  it('G-044 pan-v1 checks the Luhn digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true)
    expect(luhnValid('79927398713')).toBe(true)
    expect(luhnValid('4111111111111112')).toBe(false)
    expect(() => normalizePan('4111-1111-1111-1112')).toThrow(NormalizationError)
    expect(() => normalizePan('41111111')).toThrow(NormalizationError)
    expect(normalizePan('5555-5555-5555-4444')).toBe('5555555555554444')
  })

  it('G-044 iban-v1 is uppercase without spaces and checks mod 97', () => {
    expect(normalizeIban('gb82 west 1234 5698 7654 32')).toBe('GB82WEST12345698765432')
    expect(normalizeIban('DE89 3704 0044 0532 0130 00')).toBe('DE89370400440532013000')
    expect(() => normalizeIban('GB82 WEST 1234 5698 7654 33')).toThrow(NormalizationError)
    expect(() => normalizeIban('GB82')).toThrow(NormalizationError)
  })

  it('G-043 par-v1 is 29 letters and digits', () => {
    expect(() => normalizePar('V0010013019AQ9KZ4T7BX2M5NP8Q')).toThrow(NormalizationError)
    expect(() => normalizePar('V0010013019AQ9KZ4T7BX2M5NP8Q!')).toThrow(NormalizationError)
  })
})

describe('G-052 cadence-v1', () => {
  it('G-052 the test vector is the guide’s fingerprint value', () => {
    const fingerprint = guideObject('x-distill-traffic-fingerprint', 'algorithm', 'cadence-v1')
    const value = cadenceValue(cadenceFeatures(fingerprint.features))
    expect(value).toBe('d3d75705412e346f87b712bb41317072fc1c7914ed2a57b1ef8e971b311de888')
    expect(fingerprint.value).toBe(value)
  })

  it('G-052 refuses missing, unknown and mistyped features', () => {
    const features = guideObject(
      'x-distill-traffic-fingerprint',
      'algorithm',
      'cadence-v1',
    ).features
    expect(() => cadenceFeatures({ ...features, extra: 1 })).toThrow(/no feature extra/)
    expect(() => cadenceFeatures({ ...features, active_hours: 25 })).toThrow(/active_hours/)
    expect(() => cadenceFeatures({ ...features, iat_p50_ms_log2: 9.5 })).toThrow(/iat_p50_ms_log2/)
    expect(() => cadenceFeatures({ ...features, sampling_fixed: 'yes' })).toThrow(/sampling_fixed/)
    const missing = { ...features }
    delete missing.active_hours
    expect(() => cadenceFeatures(missing)).toThrow(/active_hours/)
    expect(() => cadenceFeatures([])).toThrow(/JSON object/)
  })
})
