/**
 * The indicator classes of the guide and what a row of each class gets unless it says otherwise:
 * lifetime and confidence (G-070), TLP (G-012) and indicator types (indicator-type-ov).
 */
import type { Tlp2Level } from '../stix/schema/tlp.js'

export interface IndicatorClass {
  /** valid_until − valid_from, in days */
  lifetimeDays: number
  confidence: number
  tlp: Tlp2Level
  indicator_types: readonly string[]
  /** pseudonymous personal or payment data: never shared below TLP:AMBER (G-031, G-043) */
  personal: boolean
  description: string
}

export const CLASSES = {
  'datacenter-proxy': {
    lifetimeDays: 30,
    confidence: 60,
    tlp: 'green',
    indicator_types: ['anonymization'],
    personal: false,
    description:
      'Datacenter proxy range through which accounts of a hydra cluster reached the API.',
  },
  'residential-proxy': {
    lifetimeDays: 7,
    confidence: 20,
    tlp: 'amber',
    indicator_types: ['anonymization'],
    personal: false,
    description:
      'Residential proxy exit shared by real households: weak alone, combine with other signals (G-023).',
  },
  'hosting-asn': {
    lifetimeDays: 90,
    confidence: 40,
    tlp: 'green',
    indicator_types: ['anonymization'],
    personal: false,
    description: 'Hosting ASN of a commercial proxy service; not a residential ISP.',
  },
  'sign-up-domain': {
    lifetimeDays: 60,
    confidence: 50,
    tlp: 'green',
    indicator_types: ['anomalous-activity'],
    personal: false,
    description: 'Disposable or attacker-registered domain of sign-up e-mail addresses.',
  },
  'identifier-digest': {
    lifetimeDays: 180,
    confidence: 80,
    tlp: 'amber+strict',
    indicator_types: ['malicious-activity'],
    personal: true,
    description:
      'Keyed HMAC digest of a normalised identifier of a banned account; match it with the same community key.',
  },
  'payment-fingerprint': {
    lifetimeDays: 180,
    confidence: 85,
    tlp: 'amber+strict',
    indicator_types: ['malicious-activity'],
    personal: true,
    description:
      'Keyed HMAC fingerprint of a payment instrument used by banned accounts; match it with the same payment key.',
  },
  'behaviour-fingerprint': {
    lifetimeDays: 90,
    confidence: 55,
    tlp: 'amber',
    indicator_types: ['anomalous-activity'],
    personal: false,
    description: 'Behavioural fingerprint shared by the scripted clients of a hydra cluster.',
  },
  'client-fingerprint': {
    lifetimeDays: 30,
    confidence: 30,
    tlp: 'amber',
    indicator_types: ['anomalous-activity'],
    personal: false,
    description:
      'Client fingerprint of harvesting traffic: common libraries share it, so never block on it alone (G-054).',
  },
} as const satisfies Record<string, IndicatorClass>

export type ClassName = keyof typeof CLASSES

const TLP_ORDER: readonly Tlp2Level[] = ['clear', 'green', 'amber', 'amber+strict', 'red']

/** G-014: the more restrictive of two TLP levels. */
export const stricterTlp = (a: Tlp2Level, b: Tlp2Level): Tlp2Level =>
  TLP_ORDER.indexOf(a) >= TLP_ORDER.indexOf(b) ? a : b

/** `TLP:AMBER+STRICT`, `amber+strict`, … ; TLP 1.0 WHITE reads as CLEAR (G-011). */
export function parseTlp(text: string): Tlp2Level | undefined {
  const level = text.trim().toLowerCase().replace(/^tlp:/, '')
  if (level === 'white') return 'clear'
  return TLP_ORDER.find((l) => l === level)
}
