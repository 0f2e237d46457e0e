import { setImmediate } from 'node:timers/promises'
import { describeObject, type ObjectMeta } from '../stix/common.js'
import type { EnvelopeItem } from '../stix/envelope.js'
import { spelledIntegerProblem } from '../stix/spelled-integers.js'
import type { ObjectValidator } from '../stix/validate.js'

/** What the checks made of one element of an envelope, before it meets the stored versions. */
export interface CheckedItem {
  /** id and version as a status resource names them (T-086, T-087) */
  id: string
  version: string
  /** how the object is filed; absent when it cannot be (then `failure` says why) */
  meta?: ObjectMeta
  /** why it fails whatever the collection holds */
  failure?: string
  /** why it fails unless it duplicates a stored version, which is a success whatever it says (S-210) */
  verdict?: string
}

/** An envelope read and checked, ready to be stored. Plain data but for `source`. */
export interface CheckedEnvelope {
  items: CheckedItem[]
  /** item `i`'s exact source, stored as its body (S-213, T-154) */
  source(i: number): string | Buffer
}

/**
 * Objects checked between two turns of the event loop (~0.5 ms of work). Checking a whole
 * envelope of 1,000 at once held the loop for ~8 ms, and meanwhile the replies of PostgreSQL to
 * another envelope's transaction waited unread, with that collection's lock held: with two
 * posters, its COPY took 20-22 ms of wall time and the lock was held 34-38 ms per envelope,
 * against 16 and 29-32 ms when the checks make way every 64 objects. A check thread, which
 * serves no requests, checks without pausing (`checksBetweenYields` Infinity).
 */
const CHECKS_BETWEEN_YIELDS = 64

/**
 * Checks envelope items as Add Objects does: what cannot be filed fails, and everything else
 * gets the verdict of `validate`, the S-019 integer check and `extraCheck`, which counts only
 * if the object turns out not to be stored already (S-210).
 *
 * Every object is checked, even one the collection holds already: looking stored versions up
 * first, to spare checking re-posted objects, cost envelopes of new objects 3.6 ms of database
 * time per 1,000 (statement log) and 12% of throughput.
 *
 * The items are consumed: each one's parsed `value` is dropped once checked. An envelope spends
 * most of its life waiting on the database, and while 1,000 parsed objects per envelope in flight
 * stayed reachable, every young-generation collection copied them: scavenges took 3.6 ms per
 * envelope of 1,000, and 2.3 ms once the values were dropped (--trace-gc, two posters).
 */
export async function checkItems(
  items: EnvelopeItem[],
  validate: ObjectValidator,
  extraCheck: (value: unknown) => string | undefined = () => undefined,
  checksBetweenYields = CHECKS_BETWEEN_YIELDS,
): Promise<CheckedItem[]> {
  const checked = new Array<CheckedItem>(items.length)
  for (let i = 0; i < items.length; i++) {
    if (i % checksBetweenYields === checksBetweenYields - 1) await setImmediate()
    const item = items[i]!
    const { id, version, meta } = describeObject(item.value, item.index)
    if (item.problem !== undefined) checked[i] = { id, version, failure: item.problem }
    else if (meta === undefined) {
      checked[i] = { id, version, failure: validate(item.value) ?? 'S-006 unreadable object' }
    } else {
      const verdict =
        validate(item.value) ?? spelledIntegerProblem(validate, item) ?? extraCheck(item.value)
      checked[i] = verdict === undefined ? { id, version, meta } : { id, version, meta, verdict }
    }
    item.value = undefined
  }
  return checked
}

/** `items` checked on this thread. */
export async function checkEnvelopeItems(
  items: EnvelopeItem[],
  validate: ObjectValidator,
  extraCheck?: (value: unknown) => string | undefined,
): Promise<CheckedEnvelope> {
  const checked = await checkItems(items, validate, extraCheck)
  return { items: checked, source: (i) => items[i]!.source }
}
