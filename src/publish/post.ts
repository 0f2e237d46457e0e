/**
 * Sends the objects of a publication to a TAXII 2.1 collection with the client library: envelopes
 * packed to the API root's `max_content_length` (T-214), each one's status resource waited on
 * until complete (T-213), successes and failures counted per status.
 */
import {
  packEnvelopes,
  TaxiiClient,
  TaxiiHttpError,
  type CollectionClient,
  type Credentials,
  type StatusDetails,
  type TaxiiStatus,
} from '../client/index.js'

export interface PostTarget {
  /** the API root, e.g. http://127.0.0.1:8080/hub/ */
  apiRootUrl: string
  /** collection id or alias */
  collection: string
  credentials: Credentials
}

/**
 * Objects per envelope at most: small enough that each envelope is stored before the answer
 * (hydrawatch answers larger ones `pending`, T-170) and progress moves often.
 */
export const ENVELOPE_OBJECTS = 1000

export interface EnvelopeOutcome {
  /** objects in this envelope */
  objects: number
  status: TaxiiStatus
}

export interface PostResult {
  envelopes: number
  statuses: TaxiiStatus[]
  succeeded: number
  failures: StatusDetails[]
  /** ids of objects too large for any envelope the server accepts: never sent */
  tooLarge: string[]
  /** ids of the publisher identity or campaign the collection holds already: not sent again */
  alreadyHeld: string[]
}

/**
 * SDOs a publication names rather than derives: their `created` comes from the run, so one
 * published on another day would be a new version with a different `created`, which STIX forbids
 * (S-060). The collection's own version stands instead.
 */
const ANCHOR_TYPES = new Set(['identity', 'campaign'])

async function held(collection: CollectionClient, id: string): Promise<boolean> {
  try {
    return (await collection.getObject(id)).objects.length > 0
  } catch (err) {
    // 404: not there; 403: a write-only collection (an inbox) cannot tell, so send it
    if (err instanceof TaxiiHttpError && (err.status === 404 || err.status === 403)) return false
    throw err
  }
}

export async function postObjects(
  objects: readonly Record<string, unknown>[],
  target: PostTarget,
  onEnvelope: (outcome: EnvelopeOutcome, index: number, of: number) => void = () => undefined,
): Promise<PostResult> {
  const client = new TaxiiClient({ credentials: target.credentials })
  const { max_content_length } = await client.apiRoot(target.apiRootUrl)
  const collection = client.collection(target.apiRootUrl, target.collection)
  const alreadyHeld: string[] = []
  for (const o of objects) {
    if (ANCHOR_TYPES.has(o.type as string) && (await held(collection, o.id as string))) {
      alreadyHeld.push(o.id as string)
    }
  }
  const skip = new Set(alreadyHeld)
  objects = objects.filter((o) => !skip.has(o.id as string))
  const texts = objects.map((o) => JSON.stringify(o))
  const { envelopes, tooLarge } = packEnvelopes(texts, max_content_length, {
    maxObjects: ENVELOPE_OBJECTS,
  })
  const result: PostResult = {
    envelopes: envelopes.length,
    statuses: [],
    succeeded: 0,
    failures: [],
    tooLarge: tooLarge.map((i) => String(objects[i]?.id)),
    alreadyHeld,
  }
  for (const [n, { indexes }] of envelopes.entries()) {
    const status = await collection.addObjects(
      indexes.map((i) => texts[i]!),
      { wait: true },
    )
    result.statuses.push(status)
    result.succeeded += status.success_count
    result.failures.push(...(status.failures ?? []))
    onEnvelope({ objects: indexes.length, status }, n, envelopes.length)
  }
  return result
}
