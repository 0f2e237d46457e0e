import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS, type Dialect } from '../../helpers/db.js'
import { indicator, startHubOn, startTestHub, type TestHub } from '../../helpers/hub.js'

/**
 * Issue deliverable 6 / T-134: incremental sync loses nothing. Writers post small envelopes
 * (new objects, new versions of existing ones, repeats of stored versions) over real HTTP while
 * pollers read the collection the way TAXII clients do: by `added_after` from the last
 * X-TAXII-Date-Added-Last (T-208), by the manifest's last `date_added`, or by following `next`
 * and then continuing with `added_after` (T-130). Afterwards every poller must hold exactly the
 * versions the status resources report as stored, each received once.
 *
 * The run proves something only if the pollers keep up (STYLE.md §3.3): a lagging poller reads
 * after the writers stop and sees everything even on a lossy design, because the records that
 * commit out of order have all landed by then. So each poller counts the passes that reached the
 * newest record while writers were still writing, and the test asserts there were many.
 */

const COLLECTION = '/hub/collections/distillation-indicators'
/**
 * Writers write for WRITE_MS and until MIN_VERSIONS versions are stored (a loaded machine is
 * slower), but never longer than MAX_WRITE_MS; the run ends once their last envelopes are answered.
 */
const WRITE_MS = 5_000
const MIN_VERSIONS = 300
const MAX_WRITE_MS = 25_000
const WRITERS = 4
/**
 * A writer pauses between envelopes for up to this many times its last POST took. PGlite runs
 * every statement of the hub, one at a time, inside this very process: writers going flat out
 * there leave pollers no room to keep up. Scaling the pause by the observed latency keeps that
 * balance on a loaded machine too.
 */
const WRITER_PAUSE: Record<Dialect, number> = { postgres: 0.5, pglite: 2 }
/**
 * Small pages put page boundaries everywhere, including inside one envelope's records; every
 * other request asks for a larger page so that pollers can catch up.
 */
const pageLimit = () => 1 + (Math.random() < 0.5 ? rand(12) : rand(100))
/** passes that must end on the newest record while writers write, per poller */
const MIN_CATCH_UPS = 20
const BASE_TIME = Date.parse('2025-07-14T09:30:00.000Z')

type Endpoint = 'objects' | 'manifest'
type Mode = 'added_after' | 'next'

interface PollerSpec {
  endpoint: Endpoint
  mode: Mode
}

const POLLERS: PollerSpec[] = [
  { endpoint: 'objects', mode: 'added_after' },
  { endpoint: 'manifest', mode: 'added_after' },
  { endpoint: 'objects', mode: 'next' },
  { endpoint: 'manifest', mode: 'next' },
]

interface PollerResult {
  name: string
  /** (id, version) → how many times it was received */
  received: Map<string, number>
  /** passes that reached the newest record (more: false or {}) while writers were writing */
  catchUps: number
  requests: number
  /** `next` tokens issued by one hub and accepted by another */
  crossHubNext: number
  /** protocol violations seen on the way (T-103, T-129, T-132) */
  problems: string[]
}

interface RunResult {
  /** every (id, version) a status resource reported among its successes */
  written: Set<string>
  /** versions newly created by the writers (repeats excluded) */
  versionsPosted: number
  envelopes: number
  idsWithSeveralVersions: number
  pollers: PollerResult[]
}

const key = (id: string, version: string) => `${id} ${version}`
const rand = (n: number) => Math.floor(Math.random() * n)

function pick<T>(list: T[]): T {
  return list[rand(list.length)]!
}

/**
 * Runs writers and pollers against `hubs` (requests rotate over them, so with two hubs every
 * `next` token is presented to the hub that did not issue it).
 */
async function runConcurrentSync(hubs: TestHub[], writerPause: number): Promise<RunResult> {
  const first = hubs[0]!
  const token = await first.token({ sub: 'sync-test', read: ['*'], write: ['*'] })
  const state = { writing: true, writersDone: false, seq: 0, nextId: 1 }
  const ids: number[] = []
  const generated: object[] = []
  const versionsOf = new Map<number, number>()
  const written = new Set<string>()
  let envelopes = 0

  async function writer(w: number): Promise<void> {
    for (let n = 0; state.writing; n++) {
      const hub = hubs[(w + n) % hubs.length]!
      const objects: object[] = []
      for (let size = 1 + rand(4); objects.length < size;) {
        if (generated.length > 0 && Math.random() < 0.05) {
          // a version already posted (perhaps still in flight): a success that stores nothing
          objects.push(pick(generated))
          continue
        }
        const existing = ids.length > 0 && Math.random() < 0.4 ? pick(ids) : undefined
        const num = existing ?? state.nextId++
        if (existing === undefined) ids.push(num)
        versionsOf.set(num, (versionsOf.get(num) ?? 0) + 1)
        // a global sequence makes every version distinct, and modified >= created
        const seq = state.seq++
        const object = indicator(num, {
          modified: new Date(BASE_TIME + seq).toISOString(),
          name: `proxy range ${num} rev ${seq}`,
        })
        generated.push(object)
        objects.push(object)
      }
      const posted = Date.now()
      const res = await hub.request(`${COLLECTION}/objects/`, { token, body: { objects } })
      const latency = Date.now() - posted
      if (res.status !== 202 || res.json?.failure_count !== 0 || res.json?.pending_count !== 0) {
        throw new Error(`writer ${w}: POST answered ${res.status} ${res.text}`)
      }
      for (const s of res.json.successes as { id: string; version: string }[]) {
        written.add(key(s.id, s.version))
      }
      envelopes++
      await sleep(rand(writerPause * latency + 1))
    }
  }

  async function poller(spec: PollerSpec, index: number): Promise<PollerResult> {
    const result: PollerResult = {
      name: `${spec.endpoint} by ${spec.mode}`,
      received: new Map(),
      catchUps: 0,
      requests: 0,
      crossHubNext: 0,
      problems: [],
    }
    const problem = (text: string) => {
      if (result.problems.length < 20) result.problems.push(text)
    }
    /** the last date_added received: the next pass asks for records added after it */
    let cursor: string | undefined
    /** `added_after` of the `next` chain being followed, which must be repeated with `next` */
    let chainAfter: string | undefined
    let next: { token: string; hub: number } | undefined
    // a pass that starts after every write was answered sees them all: the final drain
    let passAfterWriters = state.writersDone
    for (let n = 0; ; n++) {
      const hubIndex = (index + n) % hubs.length
      const limit = pageLimit()
      const params = new URLSearchParams({ 'match[version]': 'all', limit: String(limit) })
      const after = next === undefined ? cursor : chainAfter
      if (after !== undefined) params.set('added_after', after)
      if (next !== undefined) {
        params.set('next', next.token)
        if (next.hub !== hubIndex) result.crossHubNext++
      }
      const res = await hubs[hubIndex]!.request(
        `${COLLECTION}/${spec.endpoint}/?${params.toString()}`,
        {
          token,
        },
      )
      result.requests++
      if (res.status !== 200) throw new Error(`${result.name}: ${res.status} ${res.text}`)
      const items = (res.json.objects ?? []) as Record<string, string>[]
      const headFirst = res.headers.get('x-taxii-date-added-first')
      const headLast = res.headers.get('x-taxii-date-added-last')
      if (items.length === 0) {
        // T-129, T-133: an empty result is exactly {} without date headers
        if (res.text !== '{}' || headFirst !== null || headLast !== null) {
          problem(`empty page is not a bare {}: ${res.text}`)
        }
      } else {
        if (items.length > limit) problem(`page of ${items.length} exceeds limit ${limit}`)
        if (headFirst === null || headLast === null) problem('page without date headers')
        // T-103: strictly after added_after
        if (after !== undefined && headFirst !== null && headFirst <= after) {
          problem(`date_added ${headFirst} is not after added_after=${after}`)
        }
        for (const item of items) {
          const version = spec.endpoint === 'objects' ? item.modified : item.version
          const k = key(item.id!, version!)
          result.received.set(k, (result.received.get(k) ?? 0) + 1)
        }
        if (spec.endpoint === 'manifest') {
          // T-126, T-134: ascending and strictly increasing; the headers are the ends (T-132)
          const dates = items.map((i) => i.date_added!)
          if (dates.some((d, i) => i > 0 && d <= dates[i - 1]!)) {
            problem(`date_added not strictly increasing in a page: ${dates.join(' ')}`)
          }
          if (dates[0] !== headFirst || dates[dates.length - 1] !== headLast) {
            problem('date headers differ from the manifest')
          }
          cursor = dates[dates.length - 1]
        } else {
          cursor = headLast ?? cursor
        }
      }
      if (res.json.more === true) {
        if (spec.mode === 'next') {
          if (typeof res.json.next !== 'string') problem('more: true without next')
          else {
            chainAfter = after
            next = { token: res.json.next, hub: hubIndex }
          }
        }
        continue
      }
      if (res.json.next !== undefined) problem('next on a page with more: false')
      // This pass reached the newest record visible when the page was read.
      next = undefined
      if (passAfterWriters) return result
      if (state.writing) result.catchUps++
      passAfterWriters = state.writersDone
      await sleep(rand(3))
    }
  }

  const started = Date.now()
  const clock = setInterval(() => {
    const elapsed = Date.now() - started
    if ((elapsed >= WRITE_MS && written.size >= MIN_VERSIONS) || elapsed >= MAX_WRITE_MS) {
      state.writing = false
    }
  }, 20)
  const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w))).finally(() => {
    clearInterval(clock)
    state.writing = false
    state.writersDone = true
  })
  const pollers = Promise.all(POLLERS.map((spec, i) => poller(spec, i)))
  // wait for both even if one fails, so nothing still runs when the hubs close
  const [w, p] = await Promise.allSettled([writers, pollers])
  if (w.status === 'rejected') throw w.reason
  if (p.status === 'rejected') throw p.reason
  return {
    written,
    versionsPosted: state.seq,
    envelopes,
    idsWithSeveralVersions: [...versionsOf.values()].filter((v) => v > 1).length,
    pollers: p.value,
  }
}

/** The assertions shared by both suites, with a summary for the log. */
function expectNothingLost(run: RunResult, label: string) {
  console.info(
    `${label}: ${run.envelopes} envelopes, ${run.written.size} versions stored ` +
      `(${run.idsWithSeveralVersions} ids with several); per poller requests/catch-ups: ` +
      run.pollers.map((p) => `${p.name} ${p.requests}/${p.catchUps}`).join(', '),
  )
  // the run must be big enough to mean something, and exercise versioning
  expect(run.written.size).toBeGreaterThanOrEqual(MIN_VERSIONS)
  expect(run.written.size).toBe(run.versionsPosted)
  expect(run.idsWithSeveralVersions).toBeGreaterThan(50)
  // one comparison for all pollers, so a failure shows what each of them lost
  const outcome = run.pollers.map((p) => {
    const missing = [...run.written].filter((k) => !p.received.has(k))
    return {
      poller: p.name,
      problems: p.problems,
      duplicates: [...p.received.values()].filter((count) => count > 1).length,
      missing: missing.length,
      unexpected: [...p.received.keys()].filter((k) => !run.written.has(k)).length,
      someMissing: missing.slice(0, 3),
    }
  })
  expect(outcome).toEqual(
    run.pollers.map((p) => ({
      poller: p.name,
      problems: [],
      duplicates: 0,
      missing: 0,
      unexpected: 0,
      someMissing: [],
    })),
  )
  // the pollers kept up: a lagging poller would pass on a lossy design
  for (const p of run.pollers) {
    expect(
      p.catchUps,
      `${p.name}: passes ending on the newest record while writers wrote`,
    ).toBeGreaterThan(MIN_CATCH_UPS)
  }
}

describe.each(DIALECTS)('incremental sync under concurrent writers (%s)', (dialect: Dialect) => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub(dialect)
  })
  afterAll(() => hub.close())

  it('T-134 every poller receives every stored object version exactly once', async () => {
    const run = await runConcurrentSync([hub], WRITER_PAUSE[dialect])
    expectNothingLost(run, dialect)
  }, 90_000)
})

// Embedded PGlite admits one process per database, so only PostgreSQL can be shared.
describe.skipIf(!DIALECTS.includes('postgres'))(
  'incremental sync across two hub processes on one PostgreSQL',
  () => {
    let a: TestHub
    let b: TestHub
    beforeAll(async () => {
      a = await startTestHub('postgres')
      b = await startHubOn(a.databaseUrl)
    })
    afterAll(async () => {
      await b?.close()
      await a?.close()
    })

    // first: the run expects the collection to hold nothing it did not write
    it('T-134 keeps every poller exact while writers and pollers use both hubs', async () => {
      const run = await runConcurrentSync([a, b], WRITER_PAUSE.postgres)
      expectNothingLost(run, 'two hubs')
      for (const p of run.pollers.filter((p) => p.name.endsWith('next'))) {
        expect(p.crossHubNext, p.name).toBeGreaterThan(0)
      }
    }, 90_000)

    it('T-128 accepts a next token issued by the other hub', async () => {
      const token = await a.token({ sub: 'two-hubs', read: ['*'], write: ['*'] })
      const objects = Array.from({ length: 5 }, (_, i) => indicator(900_000 + i))
      const post = await a.request(`${COLLECTION}/objects/`, { token, body: { objects } })
      expect(post.json).toMatchObject({ success_count: 5 })
      const query = `match[type]=indicator&match[id]=${objects.map((o) => o.id).join(',')}`
      const page1 = await a.request(`${COLLECTION}/manifest/?${query}&limit=2`, { token })
      expect(page1.json).toMatchObject({ more: true, next: expect.any(String) })
      const page2 = await b.request(`${COLLECTION}/manifest/?${query}&next=${page1.json.next}`, {
        token,
      })
      expect(page2.status).toBe(200)
      const ids = [...page1.json.objects, ...page2.json.objects].map((o: { id: string }) => o.id)
      expect(ids).toEqual(objects.map((o) => o.id))
      // still bound to its query on the other hub (T-050)
      const other = await b.request(`${COLLECTION}/manifest/?next=${page1.json.next}`, { token })
      expect(other.json).toMatchObject({ http_status: '400', error_code: 'TAXII_ERR_BAD_NEXT' })
    })
  },
)
