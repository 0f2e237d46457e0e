/**
 * The envelope check thread (envelope-checks.ts): reads each envelope from its bytes and checks
 * its elements as the hub's own thread would, one envelope at a time.
 */
import { parentPort } from 'node:worker_threads'
import { readUtf8EnvelopeInRuns } from '../stix/envelope.js'
import { createObjectValidator } from '../stix/validate.js'
import { attributionCheck } from './attribution.js'
import { checkItems, type CheckedItem } from './checked-envelope.js'
import {
  packChecked,
  type CheckJob,
  type CheckReply,
  type ThreadMessage,
} from './envelope-checks.js'

const port = parentPort
if (port === null) throw new Error('envelope-check-worker runs as a worker thread')

const validate = createObjectValidator()

/**
 * Elements parsed and then checked at a time. Each checked element's parsed value is dropped, so
 * only a run's values are alive when V8 collects its young generation. Parsing a whole envelope of
 * 1,000 before checking any kept all 1,000 alive, and every collection copied them. Checking the
 * bench's envelopes alone in one thread (8 rounds of 60), GC took 1.5-2.0 ms per envelope that
 * way and 0.52-0.64 ms in runs of 32 to 128 (perf_hooks' GC entries), and the fastest round
 * 11.5-13.8 against 10.2-11.0 ms. In the hub, the gain is below what alternated ingests resolve.
 */
const CHECKED_RUN = 64

async function check({ id, body, maxObjects, rule }: CheckJob): Promise<CheckReply> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const extraCheck = attributionCheck(rule)
  const checked: CheckedItem[] = []
  const items = await readUtf8EnvelopeInRuns(bytes, { maxObjects }, CHECKED_RUN, async (run) => {
    // nothing else waits on this thread: no turns to give
    for (const item of await checkItems(run, validate, extraCheck, Infinity)) checked.push(item)
  })
  if (items === undefined) return { id, unread: true, body }
  const starts = new Int32Array(items.length)
  const ends = new Int32Array(items.length)
  items.forEach(({ source }, k) => {
    const start = (source as Buffer).byteOffset - bytes.byteOffset
    starts[k] = start
    ends[k] = start + source.length
  })
  return { id, checked: packChecked(checked), starts, ends, body }
}

/** The buffers a reply hands over rather than copies: the body's memory goes back for reuse. */
const handedOver = (reply: CheckReply): ArrayBuffer[] => [
  ...('starts' in reply
    ? [reply.starts.buffer as ArrayBuffer, reply.ends.buffer as ArrayBuffer]
    : []),
  ...(reply.body === undefined ? [] : [reply.body.buffer as ArrayBuffer]),
]

port.on('message', (job: CheckJob) => {
  check(job).then(
    (reply) => port.postMessage(reply, handedOver(reply)),
    (err: unknown) =>
      port.postMessage(
        {
          id: job.id,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          body: job.body,
        } satisfies CheckReply,
        [job.body.buffer as ArrayBuffer],
      ),
  )
})

port.postMessage({ ready: true } satisfies ThreadMessage)
