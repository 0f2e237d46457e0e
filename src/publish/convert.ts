/**
 * One row → its SCO, an indicator with a valid pattern, and an `indicates` relationship to the
 * campaign (G-003, G-084). SDO and SRO ids are UUIDv5 of their own content under the publisher's
 * namespace, and created/modified are the indicator's valid_from, so converting the same row
 * again yields byte-identical objects, and a changed row yields new objects rather than a
 * conflicting version of an old one.
 */
import { markingRefs, newScoExtension } from '../stix/distill/vocabulary.js'
import { canonicalJson, uuidV5 } from '../stix/schema/deterministic-id.js'
import type { Tlp2Level } from '../stix/schema/tlp.js'
import { CLASSES, parseTlp, stricterTlp } from './classes.js'
import {
  fieldText,
  observe,
  ROW_KINDS,
  type CommunityKeys,
  type Fields,
  type RowKind,
} from './observables.js'
import { RowError } from './row-error.js'
import { addDays, parseTimestamp } from './time.js'

export interface ConvertContext {
  /** the publisher's identity: created_by_ref of every SDO and SRO (G-001) */
  identityId: string
  /** UUID namespace of the publisher's SDO/SRO ids */
  namespace: string
  campaign: { id: string; tlp: Tlp2Level }
  /** valid_from of rows that name none, with millisecond precision */
  validFrom: string
  keys: CommunityKeys
}

export interface ConvertedRow {
  sco: Record<string, unknown>
  indicator: Record<string, unknown>
  relationship: Record<string, unknown>
}

/** The columns (CSV) or fields (JSON Lines) a row may have. */
export const ROW_FIELDS = [
  'kind',
  'value',
  'valid_from',
  'valid_until',
  'confidence',
  'tlp',
  'name',
  'description',
  'proxy_type',
  'input_kind',
  'card_brand',
  'fingerprint_kind',
  'algorithm',
  'key_id',
  'features',
  'sample_size',
  'api_surface',
] as const

/** `type--` + UUIDv5 of the object's content (everything but its id) in the namespace. */
export function contentId(type: string, body: Record<string, unknown>, namespace: string): string {
  return `${type}--${uuidV5(canonicalJson(body), namespace)}`
}

/** The object with its content id, after type and spec_version where STIX objects have it. */
export function withContentId(
  type: string,
  body: Record<string, unknown>,
  namespace: string,
): Record<string, unknown> {
  const { spec_version, ...rest } = body
  return { type, spec_version, id: contentId(type, { type, ...body }, namespace), ...rest }
}

function kindOf(fields: Fields): RowKind {
  const kind = fieldText(fields, 'kind')?.toLowerCase()
  if (kind === undefined) throw new RowError('kind is missing')
  const known = ROW_KINDS.find((k) => k === kind)
  if (known === undefined) throw new RowError(`kind must be one of ${ROW_KINDS.join(', ')}`)
  return known
}

function confidenceOf(fields: Fields, fallback: number): number {
  const text = fieldText(fields, 'confidence')
  if (text === undefined) return fallback
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > 100) {
    throw new RowError('confidence must be a whole number from 0 to 100')
  }
  return Number(text)
}

function tlpOf(fields: Fields, fallback: Tlp2Level, personal: boolean): Tlp2Level {
  const text = fieldText(fields, 'tlp')
  if (text === undefined) return fallback
  const tlp = parseTlp(text)
  if (tlp === undefined) throw new RowError('tlp must be clear, green, amber, amber+strict or red')
  if (personal && (tlp === 'clear' || tlp === 'green')) {
    throw new RowError('digests of personal or payment data are shared at TLP:AMBER or above')
  }
  return tlp
}

function textOf(fields: Fields, name: 'name' | 'description', secrets: readonly string[]) {
  const text = fieldText(fields, name)
  const lower = text?.toLowerCase()
  if (lower !== undefined && secrets.some((s) => s !== '' && lower.includes(s.toLowerCase()))) {
    throw new RowError(`${name} repeats the personal data the row hashes`)
  }
  return text
}

export function convertRow(fields: Fields, ctx: ConvertContext): ConvertedRow {
  const kind = kindOf(fields)
  const observable = observe(kind, fields, ctx.keys)
  const cls = CLASSES[observable.class]
  const tlp = tlpOf(fields, cls.tlp, cls.personal)
  const validFromText = fieldText(fields, 'valid_from')
  const validFrom =
    validFromText === undefined ? ctx.validFrom : parseTimestamp(validFromText, 'valid_from')
  const validUntilText = fieldText(fields, 'valid_until')
  const validUntil =
    validUntilText === undefined
      ? addDays(validFrom, cls.lifetimeDays)
      : parseTimestamp(validUntilText, 'valid_until')
  if (validUntil <= validFrom) throw new RowError('valid_until must be later than valid_from')

  const sco = {
    ...observable.sco,
    object_marking_refs: markingRefs(tlp),
    ...(observable.extension !== undefined && {
      extensions: newScoExtension(observable.extension),
    }),
  }

  const indicator = withContentId(
    'indicator',
    {
      spec_version: '2.1',
      created_by_ref: ctx.identityId,
      created: validFrom,
      modified: validFrom,
      name: textOf(fields, 'name', observable.secrets) ?? observable.name,
      description: textOf(fields, 'description', observable.secrets) ?? cls.description,
      indicator_types: [...cls.indicator_types],
      pattern: observable.pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: validFrom,
      valid_until: validUntil,
      confidence: confidenceOf(fields, cls.confidence),
      object_marking_refs: markingRefs(tlp),
    },
    ctx.namespace,
  )
  const relationship = withContentId(
    'relationship',
    {
      spec_version: '2.1',
      created_by_ref: ctx.identityId,
      created: validFrom,
      modified: validFrom,
      relationship_type: 'indicates',
      source_ref: indicator.id,
      target_ref: ctx.campaign.id,
      // G-014: the link reveals the campaign, so it is marked like the stricter end
      object_marking_refs: markingRefs(stricterTlp(tlp, ctx.campaign.tlp)),
    },
    ctx.namespace,
  )
  return { sco, indicator, relationship }
}
