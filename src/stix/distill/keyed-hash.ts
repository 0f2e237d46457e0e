/**
 * Keyed hashing of personal and payment data (G-040) and the normalisation recipes partners must
 * apply identically, or their digests never match (G-034, G-044). Pure functions: no I/O.
 *
 * @see shared/spec/distillation-indicators.md §5, §6
 */
import { createHmac } from 'node:crypto'
import { domainToASCII } from 'node:url'

/** A value a recipe cannot normalise; the message never repeats the value (it is personal data). */
export class NormalizationError extends Error {
  override name = 'NormalizationError'
}

/**
 * G-040: `lowercase_hex(HMAC-SHA-256(key, "<kind>:<normalization>:<normalised value>"))`, the
 * message UTF-8 encoded; the prefix keeps equal strings of different kinds apart.
 *
 * @example
 * keyedDigest(key, 'email', 'email-v1', 'jane.doe@burner-mail.example')
 */
export function keyedDigest(
  key: Uint8Array,
  kind: string,
  normalization: string,
  normalised: string,
): string {
  return createHmac('sha256', key)
    .update(`${kind}:${normalization}:${normalised}`, 'utf8')
    .digest('hex')
}

/** A versioned normalisation recipe and the `<kind>` its digests are computed under. */
export interface Recipe {
  kind: string
  normalization: string
  normalize: (input: string) => string
}

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com'])

/**
 * `email-v1`: trim → lowercase → domain to IDNA A-labels → drop a `+tag` from the local part →
 * for gmail.com/googlemail.com also drop `.` from the local part and use gmail.com (G-034).
 */
export function normalizeEmail(input: string): string {
  const address = input.trim().toLowerCase()
  const at = address.lastIndexOf('@')
  if (at <= 0 || at === address.length - 1 || /\s/.test(address)) {
    throw new NormalizationError('not an e-mail address (local@domain)')
  }
  let domain = domainToASCII(address.slice(at + 1))
  if (domain === '' || !domain.includes('.')) {
    throw new NormalizationError('the domain of the e-mail address is not a valid domain name')
  }
  let local = address.slice(0, at).split('+', 1)[0] ?? ''
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '')
    domain = 'gmail.com'
  }
  if (local === '') throw new NormalizationError('the local part of the e-mail address is empty')
  return `${local}@${domain}`
}

/**
 * `phone-e164-v1`: E.164 with its leading `+` and digits only. Spaces, dashes, dots and
 * parentheses are dropped and a `00` international prefix becomes `+`; a national number (no
 * country code) is refused, since guessing the country would give a different digest.
 */
export function normalizePhone(input: string): string {
  const compact = input.trim().replace(/[\s().-]/g, '')
  const e164 = compact.startsWith('00') ? `+${compact.slice(2)}` : compact
  if (!/^\+[1-9][0-9]{1,14}$/.test(e164)) {
    throw new NormalizationError('not an international phone number (E.164: + and up to 15 digits)')
  }
  return e164
}

/**
 * `account-id-v1`: `<platform-domain>:<opaque account id>`, the account id's case preserved. The
 * platform domain is case-insensitive, so it is written in lowercase A-labels.
 */
export function normalizeAccountId(input: string): string {
  const trimmed = input.trim()
  const colon = trimmed.indexOf(':')
  const domain = colon > 0 ? domainToASCII(trimmed.slice(0, colon)) : ''
  const account = trimmed.slice(colon + 1)
  if (domain === '' || account === '' || /\s/.test(account)) {
    throw new NormalizationError('not an account id of the form <platform-domain>:<account id>')
  }
  return `${domain}:${account}`
}

/** `par-v1`: the 29-character EMVCo Payment Account Reference in uppercase (G-043, G-044). */
export function normalizePar(input: string): string {
  const par = input.replace(/\s/g, '').toUpperCase()
  if (!/^[A-Z0-9]{29}$/.test(par)) {
    throw new NormalizationError('not a Payment Account Reference (29 letters and digits)')
  }
  return par
}

/** Luhn (ISO/IEC 7812-1 annex B): the check digit of a card number. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** `pan-v1`: digits only; 12–19 of them with a valid Luhn check digit (G-042, G-044). */
export function normalizePan(input: string): string {
  const pan = input.replace(/[\s-]/g, '')
  if (!/^[0-9]{12,19}$/.test(pan) || !luhnValid(pan)) {
    throw new NormalizationError('not a card number (12–19 digits with a valid Luhn check digit)')
  }
  return pan
}

/** ISO 13616 check: the IBAN, its first four characters moved to the end, letters as 10–35, mod 97 = 1. */
export function ibanValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4)
  let remainder = 0
  for (const c of rearranged) {
    const code = c.charCodeAt(0)
    const value = code >= 65 ? String(code - 55) : c
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97
  }
  return remainder === 1
}

/** `iban-v1`: uppercase without spaces, with a valid ISO 13616 check (G-044). */
export function normalizeIban(input: string): string {
  const iban = input.replace(/\s/g, '').toUpperCase()
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban) || !ibanValid(iban)) {
    throw new NormalizationError('not an IBAN (country, check digits, account; mod-97 check)')
  }
  return iban
}

/** The identifier recipes of G-034, by `identifier_kind`; their digests use the identifier key. */
export const IDENTIFIER_RECIPES = {
  email: { kind: 'email', normalization: 'email-v1', normalize: normalizeEmail },
  phone: { kind: 'phone', normalization: 'phone-e164-v1', normalize: normalizePhone },
  'account-id': {
    kind: 'account-id',
    normalization: 'account-id-v1',
    normalize: normalizeAccountId,
  },
} as const satisfies Record<string, Recipe>

/** The payment recipes of G-044, by `input_kind`; their digests use the payment key. */
export const PAYMENT_RECIPES = {
  par: { kind: 'par', normalization: 'par-v1', normalize: normalizePar },
  pan: { kind: 'pan', normalization: 'pan-v1', normalize: normalizePan },
  iban: { kind: 'iban', normalization: 'iban-v1', normalize: normalizeIban },
} as const satisfies Record<string, Recipe>

export type IdentifierKind = keyof typeof IDENTIFIER_RECIPES
export type PaymentInputKind = keyof typeof PAYMENT_RECIPES
