/**
 * The envelope check thread (envelope-checks.ts): reads each envelope from its bytes and checks
 * its elements as the hub's own thread would, one envelope at a time.
 */
import { parentPort } from 'node:worker_threads'
import { readUtf8Envelope } from '../stix/envelope.js'
import { createObjectValidator } from '../stix/validate.js'
import { attributionCheck } from './attribution.js'
import { checkItems } from './checked-envelope.js'
import {
  packChecked,
  type CheckJob,
  type CheckReply,
  type ThreadMessage,
} from './envelope-checks.js'

const port = parentPort
if (port === null) throw new Error('envelope-check-worker runs as a worker thread')

const validate = createObjectValidator()

async function check({ id, body, maxObjects, rule }: CheckJob): Promise<CheckReply> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const items = readUtf8Envelope(bytes, { maxObjects })
  if (items === undefined) return { id, unread: true, body }
  const starts = new Int32Array(items.length)
  const ends = new Int32Array(items.length)
  items.forEach(({ source }, k) => {
    const start = (source as Buffer).byteOffset - bytes.byteOffset
    starts[k] = start
    ends[k] = start + source.length
  })
  // nothing else waits on this thread: no turns to give
  const checked = await checkItems(items, validate, attributionCheck(rule), Infinity)
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
