/**
 * What one row observes: the SCO (with its deterministic id, G-005), the STIX pattern that
 * matches it (the pattern tables of G-025, G-037, G-045, G-056), its indicator class, and a
 * default name. Personal and payment data leave this module only as keyed digests (G-031, G-040).
 */
import { domainToASCII } from 'node:url'
import { cadenceFeatures, cadenceValue, type CadenceFeatures } from '../stix/distill/cadence.js'
import {
  IDENTIFIER_RECIPES,
  ibanValid,
  keyedDigest,
  NormalizationError,
  PAYMENT_RECIPES,
  type IdentifierKind,
  type PaymentInputKind,
  type Recipe,
} from '../stix/distill/keyed-hash.js'
import type { DistillScoType } from '../stix/distill/vocabulary.js'
import { defaultScoId } from '../stix/schema/deterministic-id.js'
import type { ClassName } from './classes.js'
import { normaliseIp } from './ip.js'
import { MissingKeyError, RowError } from './row-error.js'

export interface CommunityKey {
  /** the `key_id` every digest made with it carries, so keys can rotate (G-040) */
  id: string
  /** absent when only the key id is known (enough to name the key of pre-hashed values) */
  secret?: Uint8Array
}

export interface CommunityKeys {
  identifier?: CommunityKey
  payment?: CommunityKey
}

export type Fields = Readonly<Record<string, unknown>>

export interface Observable {
  class: ClassName
  /** the SCO without its markings and extensions */
  sco: Record<string, unknown>
  /** the new SCO type whose `extensions` entry the SCO carries (G-086) */
  extension?: DistillScoType
  pattern: string
  name: string
  /** cleartext the row's name and description must not repeat (personal data) */
  secrets: string[]
}

/** The row kinds, as the `kind` column names them. */
export const ROW_KINDS = [
  'ip',
  'ipv4-cidr',
  'ipv6-cidr',
  'asn',
  'email',
  'phone',
  'account-id',
  'email-domain',
  'payment',
  'traffic-fingerprint',
] as const

export type RowKind = (typeof ROW_KINDS)[number]

/** A field as trimmed text; absent when missing or empty. */
export function fieldText(fields: Fields, name: string): string | undefined {
  const v = fields[name]
  if (v === undefined) return undefined
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v !== 'string') throw new RowError(`${name} must be text`)
  const t = v.trim()
  return t === '' ? undefined : t
}

function required(fields: Fields, name: string): string {
  const v = fieldText(fields, name)
  if (v === undefined) throw new RowError(`${name} is missing`)
  return v
}

/** A STIX pattern string literal (§9.2: `\` and `'` escaped). */
const literal = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function withId(
  type: string,
  contributing: readonly string[],
  properties: Record<string, unknown>,
) {
  const sco: Record<string, unknown> = { type, spec_version: '2.1' }
  sco.id = defaultScoId(type, properties, contributing)
  return Object.assign(sco, properties)
}

/** Runs a recipe, turning its refusal into a row error (its message holds no value). */
function normalised(recipe: Recipe, value: string): string {
  try {
    return recipe.normalize(value)
  } catch (err) {
    if (err instanceof NormalizationError) throw new RowError(err.message)
    throw err
  }
}

function address(kind: RowKind, fields: Fields): Observable {
  const expected = kind === 'ipv4-cidr' ? 'ipv4' : kind === 'ipv6-cidr' ? 'ipv6' : undefined
  const { type, value } = normaliseIp(required(fields, 'value'), expected)
  const proxy = fieldText(fields, 'proxy_type') ?? 'datacenter'
  if (proxy !== 'datacenter' && proxy !== 'residential') {
    throw new RowError('proxy_type must be datacenter or residential')
  }
  const operator = value.includes('/') ? 'ISSUBSET' : '='
  return {
    class: proxy === 'residential' ? 'residential-proxy' : 'datacenter-proxy',
    sco: withId(type, ['value'], { value }),
    pattern: `[${type}:value ${operator} ${literal(value)}]`,
    name: `${proxy === 'residential' ? 'Residential proxy exit' : 'Proxy egress range'} ${value}`,
    secrets: [],
  }
}

function asn(fields: Fields): Observable {
  const text = required(fields, 'value')
  const m = /^(?:as)?([0-9]{1,10})$/i.exec(text)
  const number = m === null ? NaN : Number(m[1])
  if (!Number.isSafeInteger(number) || number > 4294967295) {
    throw new RowError('not an AS number (0–4294967295, optionally written AS64500)')
  }
  return {
    class: 'hosting-asn',
    sco: withId('autonomous-system', ['number'], { number }),
    // G-022: patterns cannot follow belongs-to relationships; addresses that embed their AS match
    pattern: `[autonomous-system:number = ${number}] OR [ipv4-addr:belongs_to_refs[*].number = ${number}] OR [ipv6-addr:belongs_to_refs[*].number = ${number}]`,
    name: `Proxy hosting ASN ${number}`,
    secrets: [],
  }
}

function hashedIdentifier(kind: IdentifierKind, fields: Fields, keys: CommunityKeys): Observable {
  const recipe: Recipe = IDENTIFIER_RECIPES[kind]
  const value = required(fields, 'value')
  const clear = normalised(recipe, value)
  const key = keys.identifier
  if (key?.secret === undefined) throw new MissingKeyError('identifier')
  const digest = keyedDigest(key.secret, recipe.kind, recipe.normalization, clear)
  const t = 'x-distill-hashed-identifier' as const
  const label = {
    email: 'Sign-up e-mail',
    phone: 'Sign-up phone number',
    'account-id': 'Account id',
  }
  return {
    class: 'identifier-digest',
    extension: t,
    sco: withId(t, ['identifier_kind', 'key_id', 'digest_hex'], {
      identifier_kind: recipe.kind,
      normalization: recipe.normalization,
      algorithm: 'hmac-sha256',
      key_id: key.id,
      digest_hex: digest,
    }),
    pattern: `[${t}:identifier_kind = ${literal(recipe.kind)} AND ${t}:key_id = ${literal(key.id)} AND ${t}:digest_hex = h'${digest}']`,
    name: `${label[kind]} (keyed digest, ${key.id})`,
    secrets: [value, clear],
  }
}

function signUpDomain(fields: Fields): Observable {
  const text = required(fields, 'value').replace(/^@/, '').replace(/\.$/, '')
  if (text.includes('@')) throw new RowError('give the domain only, not an e-mail address')
  const domain = domainToASCII(text)
  if (domain === '' || !/^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)+[a-z0-9-]+$/.test(domain)) {
    throw new RowError('not a domain name')
  }
  // G-035: in LIKE `_` matches any one character, so such a domain needs MATCHES
  const sign_up = domain.includes('_')
    ? `[email-addr:value MATCHES ${literal(`@${domain.replace(/\./g, '\\.')}$`)}]`
    : `[email-addr:value LIKE ${literal(`%@${domain}`)}]`
  return {
    class: 'sign-up-domain',
    sco: withId('domain-name', ['value'], { value: domain }),
    pattern: `${sign_up} OR [domain-name:value = ${literal(domain)}]`,
    name: `Disposable sign-up domain ${domain}`,
    secrets: [],
  }
}

/** PAN if digits only, IBAN if it passes the ISO 13616 check, PAR if 29 letters and digits. */
function paymentKind(fields: Fields, value: string): PaymentInputKind {
  const stated = fieldText(fields, 'input_kind')
  if (stated !== undefined) {
    if (stated === 'par' || stated === 'pan' || stated === 'iban') return stated
    throw new RowError('input_kind must be par, pan or iban')
  }
  const compact = value.replace(/[\s-]/g, '').toUpperCase()
  if (/^[0-9]+$/.test(compact)) return 'pan'
  if (/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(compact) && ibanValid(compact)) return 'iban'
  if (/^[A-Z0-9]{29}$/.test(compact)) return 'par'
  throw new RowError('neither a PAR, a PAN nor an IBAN; give input_kind')
}

function paymentFingerprint(fields: Fields, keys: CommunityKeys): Observable {
  const value = required(fields, 'value')
  const inputKind = paymentKind(fields, value)
  const recipe: Recipe = PAYMENT_RECIPES[inputKind]
  const clear = normalised(recipe, value)
  const key = keys.payment
  if (key?.secret === undefined) throw new MissingKeyError('payment')
  const fingerprint = keyedDigest(key.secret, recipe.kind, recipe.normalization, clear)
  const brand = fieldText(fields, 'card_brand')?.toLowerCase()
  if (brand !== undefined && (inputKind === 'iban' || !/^[a-z][a-z0-9-]*$/.test(brand))) {
    throw new RowError('card_brand is a scheme name such as visa, and only for cards')
  }
  const t = 'x-distill-payment-fingerprint' as const
  return {
    class: 'payment-fingerprint',
    extension: t,
    sco: withId(t, ['key_id', 'fingerprint_hex'], {
      instrument_type: inputKind === 'iban' ? 'bank-account' : 'card',
      input_kind: inputKind,
      normalization: recipe.normalization,
      algorithm: 'hmac-sha256',
      key_id: key.id,
      fingerprint_hex: fingerprint,
      ...(brand !== undefined && { card_brand: brand }),
    }),
    pattern: `[${t}:key_id = ${literal(key.id)} AND ${t}:fingerprint_hex = h'${fingerprint}']`,
    name: `Payment instrument (keyed ${inputKind.toUpperCase()} fingerprint, ${key.id})`,
    secrets: [value, clear],
  }
}

const DEFAULT_ALGORITHMS: Readonly<Record<string, string>> = {
  'tls-client': 'ja4',
  'http-client': 'header-order-v1',
  'request-cadence': 'cadence-v1',
  'prompt-template': 'hmac-sha256',
}

const FINGERPRINT_LABELS: Readonly<Record<string, string>> = {
  'tls-client': 'TLS client fingerprint',
  'http-client': 'HTTP client fingerprint',
  'request-cadence': 'Request cadence',
  'prompt-template': 'Prompt template (keyed digest)',
  'sampling-profile': 'Sampling profile',
}

const JA4 = /^[tqd][0-9s]{2}[di][0-9]{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/

function features(fields: Fields): unknown {
  const raw = fields.features
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw) as unknown
  } catch {
    throw new RowError('features is not valid JSON')
  }
}

function fingerprintValue(
  kind: string,
  algorithm: string,
  fields: Fields,
): { value: string; features?: CadenceFeatures } {
  if (algorithm === 'cadence-v1') {
    let f
    try {
      f = cadenceFeatures(features(fields))
    } catch (err) {
      if (err instanceof NormalizationError) throw new RowError(err.message)
      throw err
    }
    const value = cadenceValue(f)
    const stated = fieldText(fields, 'value')
    if (stated !== undefined && stated.toLowerCase() !== value) {
      throw new RowError('value is not the cadence-v1 digest of features')
    }
    return { value, features: f }
  }
  const value = required(fields, 'value')
  if (algorithm === 'ja4' && !JA4.test(value)) throw new RowError('value is not a JA4 fingerprint')
  if (algorithm === 'hmac-sha256') {
    if (!/^[0-9a-fA-F]{64}$/.test(value)) {
      throw new RowError(`value of a ${kind} fingerprint must be its 64-hex-digit HMAC digest`)
    }
    return { value: value.toLowerCase() }
  }
  return { value }
}

function trafficFingerprint(fields: Fields, keys: CommunityKeys): Observable {
  const kind = required(fields, 'fingerprint_kind')
  const label = FINGERPRINT_LABELS[kind]
  if (label === undefined) {
    throw new RowError(
      `fingerprint_kind must be one of ${Object.keys(FINGERPRINT_LABELS).join(', ')}`,
    )
  }
  const algorithm = fieldText(fields, 'algorithm') ?? DEFAULT_ALGORITHMS[kind]
  if (algorithm === undefined) throw new RowError(`a ${kind} fingerprint needs its algorithm`)
  if (!/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/.test(algorithm)) {
    throw new RowError('algorithm must be a lowercase name such as ja4')
  }
  const { value, features: f } = fingerprintValue(kind, algorithm, fields)
  // G-053: templates are hashed with the identifier key, which names the key_id
  const keyId = algorithm.startsWith('hmac-')
    ? (fieldText(fields, 'key_id') ?? keys.identifier?.id)
    : undefined
  if (algorithm.startsWith('hmac-') && keyId === undefined) {
    throw new RowError(`a keyed ${kind} fingerprint needs key_id (or --id-key-id)`)
  }
  const sampleText = fieldText(fields, 'sample_size')
  const sampleSize = sampleText === undefined ? undefined : Number(sampleText)
  if (sampleSize !== undefined && !(Number.isSafeInteger(sampleSize) && sampleSize >= 1)) {
    throw new RowError('sample_size must be a whole number of requests (1 or more)')
  }
  const surface = fieldText(fields, 'api_surface')
  const t = 'x-distill-traffic-fingerprint' as const
  const keyed = keyId === undefined ? '' : ` AND ${t}:key_id = ${literal(keyId)}`
  return {
    class:
      kind === 'tls-client' || kind === 'http-client'
        ? 'client-fingerprint'
        : 'behaviour-fingerprint',
    extension: t,
    sco: withId(t, ['fingerprint_kind', 'algorithm', 'value'], {
      fingerprint_kind: kind,
      algorithm,
      ...(keyId !== undefined && { key_id: keyId }),
      value,
      ...(f !== undefined && { features: f }),
      ...(sampleSize !== undefined && { sample_size: sampleSize }),
      ...(surface !== undefined && { api_surface: surface }),
    }),
    pattern: `[${t}:fingerprint_kind = ${literal(kind)} AND ${t}:algorithm = ${literal(algorithm)}${keyed} AND ${t}:value = ${literal(value)}]`,
    name:
      kind === 'tls-client' || kind === 'http-client'
        ? `${label} (${algorithm}) ${value}`
        : `${label} (${algorithm})`,
    secrets: [],
  }
}

/** The observable of a row of the given kind. */
export function observe(kind: RowKind, fields: Fields, keys: CommunityKeys): Observable {
  switch (kind) {
    case 'ip':
    case 'ipv4-cidr':
    case 'ipv6-cidr':
      return address(kind, fields)
    case 'asn':
      return asn(fields)
    case 'email':
    case 'phone':
    case 'account-id':
      return hashedIdentifier(kind, fields, keys)
    case 'email-domain':
      return signUpDomain(fields)
    case 'payment':
      return paymentFingerprint(fields, keys)
    case 'traffic-fingerprint':
      return trafficFingerprint(fields, keys)
  }
}
