/**
 * Turns the rows of one input file into the objects to publish: the publisher's identity and the
 * campaign (unless named by id), the campaign's `uses` of ATLAS Extract AI Model (G-061), and per
 * row an SCO, an indicator and its `indicates` relationship. Every object is checked with the
 * hub's own validator before it is kept; a row that fails is reported by line and the rest go on.
 */
import { ATLAS_EXTRACT_AI_MODEL_ID, markingRefs } from '../stix/distill/vocabulary.js'
import { uuidV5 } from '../stix/schema/deterministic-id.js'
import type { Tlp2Level } from '../stix/schema/tlp.js'
import { convertRow, ROW_FIELDS, withContentId, type ConvertContext } from './convert.js'
import type { CommunityKeys } from './observables.js'
import { MissingKeyError, RowError } from './row-error.js'
import { isRow, type RowItem } from './rows.js'

/** The namespace of publisher identities named by `--identity-name` and of their own namespaces. */
export const PUBLISH_NAMESPACE = 'a8569cc6-71e2-4c33-ba6b-eff03e2c492a'

const STIX_ID =
  /^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export type Named = { name: string } | { id: string }

export interface PublishOptions {
  /** the publisher: an identity to emit (by name) or an existing one (by id) */
  identity: Named
  /** the campaign every indicator `indicates`: one to emit (by name) or an existing one (by id) */
  campaign: Named
  campaignTlp: Tlp2Level
  /** valid_from of rows without one, and created/modified of the identity and campaign */
  validFrom: string
  keys: CommunityKeys
  /** the hub's object validator: the first rule an object breaks, or undefined */
  validate?: (o: unknown) => string | undefined
}

export interface RejectedRow {
  line: number
  reason: string
}

export interface Publication {
  objects: Record<string, unknown>[]
  /** rows read (unreadable lines included) */
  rows: number
  /** rows converted into objects */
  converted: number
  rejected: RejectedRow[]
  /** lines of rows that need a key the command was not given */
  missingKeys: { identifier: number[]; payment: number[] }
  /** columns or fields no row kind uses (typos, mostly) */
  unknownFields: string[]
}

export const identityIdFor = (name: string): string =>
  `identity--${uuidV5(`identity:organization:${name}`, PUBLISH_NAMESPACE)}`

function referenced(named: Named, type: string): string | undefined {
  if (!('id' in named)) return undefined
  if (!STIX_ID.test(named.id) || !named.id.startsWith(`${type}--`)) {
    throw new TypeError(`${named.id} is not a ${type} id`)
  }
  return named.id
}

/** Identity, campaign and the campaign's use of the ATLAS technique: the objects all rows share. */
function sharedObjects(opts: PublishOptions) {
  const objects: Record<string, unknown>[] = []
  const identityId =
    referenced(opts.identity, 'identity') ?? identityIdFor((opts.identity as { name: string }).name)
  const namespace = uuidV5(identityId, PUBLISH_NAMESPACE)
  const common = {
    spec_version: '2.1',
    created_by_ref: identityId,
    created: opts.validFrom,
    modified: opts.validFrom,
  }
  if ('name' in opts.identity) {
    objects.push({
      type: 'identity',
      ...common,
      id: identityId,
      name: opts.identity.name,
      identity_class: 'organization',
      object_marking_refs: markingRefs('clear'),
    })
  }
  let campaignId = referenced(opts.campaign, 'campaign')
  if (campaignId === undefined) {
    const name = (opts.campaign as { name: string }).name
    campaignId = `campaign--${uuidV5(`campaign:${name}`, namespace)}`
    objects.push({
      type: 'campaign',
      ...common,
      id: campaignId,
      name,
      object_marking_refs: markingRefs(opts.campaignTlp),
    })
    objects.push(
      withContentId(
        'relationship',
        {
          ...common,
          relationship_type: 'uses',
          source_ref: campaignId,
          target_ref: ATLAS_EXTRACT_AI_MODEL_ID,
          object_marking_refs: markingRefs(opts.campaignTlp),
        },
        namespace,
      ),
    )
  }
  const ctx: ConvertContext = {
    identityId,
    namespace,
    campaign: { id: campaignId, tlp: opts.campaignTlp },
    validFrom: opts.validFrom,
    keys: opts.keys,
  }
  return { objects: objects.map(orderedStixObject), ctx }
}

/** type, spec_version, id first, as STIX objects usually begin. */
function orderedStixObject(o: Record<string, unknown>): Record<string, unknown> {
  const { type, spec_version, id, ...rest } = o
  return { type, spec_version, id, ...rest }
}

export async function buildPublication(
  rows: AsyncIterable<RowItem>,
  opts: PublishOptions,
): Promise<Publication> {
  const { objects: shared, ctx } = sharedObjects(opts)
  const byId = new Map<string, Record<string, unknown>>()
  const keep = (o: Record<string, unknown>) => {
    // a repeated row or a shared SCO: the first occurrence stands
    if (!byId.has(o.id as string)) byId.set(o.id as string, o)
  }
  for (const o of shared) {
    const problem = opts.validate?.(o)
    if (problem !== undefined)
      throw new TypeError(`the ${String(o.type)} to publish is invalid: ${problem}`)
    keep(o)
  }
  const known = new Set<string>(ROW_FIELDS)
  const unknown = new Set<string>()
  const publication: Publication = {
    objects: [],
    rows: 0,
    converted: 0,
    rejected: [],
    missingKeys: { identifier: [], payment: [] },
    unknownFields: [],
  }
  for await (const item of rows) {
    publication.rows++
    if (!isRow(item)) {
      publication.rejected.push(item)
      continue
    }
    for (const k of Object.keys(item.fields)) if (!known.has(k)) unknown.add(k)
    try {
      const { sco, indicator, relationship } = convertRow(item.fields, ctx)
      for (const o of [sco, indicator, relationship]) {
        const problem = opts.validate?.(o)
        if (problem !== undefined)
          throw new RowError(`the ${String(o.type)} it makes breaks ${problem}`)
      }
      for (const o of [sco, indicator, relationship]) keep(o)
      publication.converted++
    } catch (err) {
      if (err instanceof MissingKeyError) publication.missingKeys[err.purpose].push(item.line)
      else if (err instanceof RowError)
        publication.rejected.push({ line: item.line, reason: err.message })
      else throw err
    }
  }
  publication.objects = [...byId.values()]
  publication.unknownFields = [...unknown].sort()
  return publication
}
