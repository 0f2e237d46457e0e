import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { attributionCheck, type AttributionRule } from '../../../src/services/attribution.js'
import { checkEnvelopeItems, type CheckedItem } from '../../../src/services/checked-envelope.js'
import {
  EnvelopeChecks,
  packChecked,
  unpackChecked,
} from '../../../src/services/envelope-checks.js'
import { readEnvelope, readUtf8Envelope } from '../../../src/stix/envelope.js'
import { createObjectValidator } from '../../../src/stix/validate.js'

// The check thread runs the built hub (dist), which `npm test` builds before the suite.

const fixture = (name: string): Record<string, unknown>[] =>
  Object.values(
    JSON.parse(readFileSync(new URL(`../../fixtures/stix/${name}.json`, import.meta.url), 'utf8')),
  )
const OBJECTS = [...fixture('valid-sdo-sro'), ...fixture('valid-sco'), ...fixture('valid-2.0')]
const LAB = 'identity--a0a0a0a0-0000-4000-8000-000000000001'
const OTHER = 'identity--a0a0a0a0-0000-4000-8000-000000000002'
const MAX_OBJECTS = 50

const validate = createObjectValidator()

/** What the hub's own thread makes of `body`, sources as text. */
async function checkedHere(body: Buffer, rule: AttributionRule, maxObjects = MAX_OBJECTS) {
  const items = readEnvelope(body, { maxObjects })
  const checked = await checkEnvelopeItems(items, validate, attributionCheck(rule))
  return {
    items: checked.items,
    sources: checked.items.map((_, i) => checked.source(i).toString()),
  }
}

/** The same from the thread, or undefined when it leaves the envelope to the caller. */
async function checkedThere(
  checks: EnvelopeChecks,
  body: Buffer,
  rule: AttributionRule,
  maxObjects = MAX_OBJECTS,
) {
  const checked = await checks.check(body, maxObjects, rule)
  return (
    checked && {
      items: checked.items,
      sources: checked.items.map((_, i) => checked.source(i).toString()),
    }
  )
}

/** An element's text: a fixture object, changed in one of the ways posts go wrong. */
const element = fc
  .tuple(
    fc.constantFrom(...OBJECTS),
    fc.constantFrom(
      'as is',
      'no id',
      'a bad id',
      'an integer written 50.0',
      'a member named twice',
      'a raw noncharacter',
      'non-ASCII text',
      'by the lab',
      'by another lab',
      'a bad timestamp',
      'an array',
    ),
  )
  .map(([object, change]): string => {
    const o: Record<string, unknown> = structuredClone(object)
    const text = (extra: string) => JSON.stringify(o).replace(/}$/, `,${extra}}`)
    switch (change) {
      case 'as is':
        break
      case 'no id':
        delete o.id
        break
      case 'a bad id':
        o.id = `${String(o.type)}--not-a-uuid`
        break
      case 'an integer written 50.0':
        return text('"confidence":50.0')
      case 'a member named twice':
        return text(`"type":${JSON.stringify(o.type)}`)
      case 'a raw noncharacter':
        return text('"x_note":"\uFFFF"')
      case 'non-ASCII text':
        o.description = 'Réseau № 7 — 代理 😀'
        break
      case 'by the lab':
        o.created_by_ref = LAB
        break
      case 'by another lab':
        o.created_by_ref = OTHER
        break
      case 'a bad timestamp':
        if (o.modified !== undefined) o.modified = '2025-13-01T00:00:00Z'
        break
      case 'an array':
        return '["not an object"]'
    }
    return JSON.stringify(o)
  })

const rule = fc.record({
  identities: fc.constantFrom([], [LAB]),
  required: fc.boolean(),
})

describe('EnvelopeChecks: posted envelopes checked on a thread of their own', () => {
  const checks = new EnvelopeChecks()
  checks.start()
  afterAll(() => checks.close())

  it('T-168 S-210 checks each element as the hub itself would, and points at its exact source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(element, { minLength: 1, maxLength: 12 }),
        rule,
        fc.constantFrom('', '"more":false,', ' \n'),
        async (elements, r, before) => {
          const body = Buffer.from(`{${before}"objects":[${elements.join(',')}]}`)
          const there = await checkedThere(checks, body, r)
          if (readUtf8Envelope(body, { maxObjects: MAX_OBJECTS }) === undefined) {
            // only what the bytes reader refuses is left to the caller, which says why
            expect(there).toBeUndefined()
          } else {
            expect(there).toEqual(await checkedHere(body, r))
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  // The thread parses and checks 64 elements at a time (CHECKED_RUN in envelope-check-worker.ts).
  it('T-168 checks envelopes longer than the thread’s runs as the hub would, and leaves one with an element past the first run that is no JSON to the caller', async () => {
    const max = 1000
    await fc.assert(
      fc.asyncProperty(
        // objects only: an element that is none leaves the whole envelope to the caller
        fc.array(
          element.filter((e) => e.startsWith('{')),
          { minLength: 65, maxLength: 200 },
        ),
        rule,
        fc.nat(),
        async (elements, r, n) => {
          const body = Buffer.from(`{"objects":[${elements.join(',')}]}`)
          const there = await checkedThere(checks, body, r, max)
          expect(there).toEqual(await checkedHere(body, r, max))
          const broken = [...elements]
          broken[64 + (n % (elements.length - 64))] = '{"type":"indicator",}'
          const cut = Buffer.from(`{"objects":[${broken.join(',')}]}`)
          expect(await checkedThere(checks, cut, r, max)).toBeUndefined()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('T-171 applies the poster’s attribution rule', async () => {
    const unattributed = {
      ...OBJECTS.find((o) => o.type === 'indicator' && o.spec_version === '2.1')!,
    }
    delete unattributed.created_by_ref
    const body = Buffer.from(
      JSON.stringify({
        objects: [
          { ...unattributed, created_by_ref: OTHER },
          { ...unattributed, created_by_ref: LAB },
          unattributed,
        ],
      }),
    )
    const bound = await checks.check(body, MAX_OBJECTS, { identities: [LAB], required: false })
    expect(bound?.items.map((i) => i.verdict)).toEqual([
      `T-171 created_by_ref: "${OTHER}" is not an identity this token may publish as`,
      undefined,
      undefined,
    ])
    const required = await checks.check(body, MAX_OBJECTS, { identities: [], required: true })
    expect(required?.items.map((i) => i.verdict)).toEqual([
      undefined,
      undefined,
      'T-171 created_by_ref: this collection requires every SDO and SRO to be attributed',
    ])
  })

  it.each([
    ['a byte order mark', Buffer.from('\uFEFF{"objects":[{}]}')],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['an array', Buffer.from('[{"objects":[{}]}]')],
    ['malformed JSON', Buffer.from('{"objects":[{"a":}]}')],
    ['more objects than allowed', Buffer.from(`{"objects":[${'{},'.repeat(MAX_OBJECTS)}{}]}`)],
  ])('T-167 leaves %s to the caller, which says what is wrong', async (_, body) => {
    expect(await checks.check(body, MAX_OBJECTS, { identities: [], required: false })).toBe(
      undefined,
    )
  })

  it('counts the envelopes it checked', async () => {
    const before = checks.checked
    await checks.check(Buffer.from('{"objects":[{}]}'), 1, { identities: [], required: false })
    expect(checks.checked).toBe(before + 1)
  })

  it('passes checked items between threads as they were', () => {
    const items: CheckedItem[] = [
      { id: 'objects[0]', version: 'unknown', failure: 'S-006 (object): must be a JSON object' },
      {
        id: 'indicator--1',
        version: '2025-07-14T09:30:00.000Z',
        meta: {
          id: 'indicator--1',
          type: 'indicator',
          spec_version: '2.1',
          version: '2025-07-14T09:30:00.000Z',
          version_key: '2025-07-14T09:30:00.000000000Z',
        },
        verdict: 'S-128 pattern: bad',
      },
      {
        id: 'ipv4-addr--2',
        version: 'unknown',
        meta: {
          id: 'ipv4-addr--2',
          type: 'ipv4-addr',
          spec_version: '2.1',
          version: null,
          version_key: null,
        },
      },
    ]
    expect(unpackChecked(structuredClone(packChecked(items)))).toEqual(items)
  })
})

describe('EnvelopeChecks: a thread that fails loses no post', () => {
  const anyRule = { identities: [], required: false }
  const envelope = Buffer.from('{"objects":[{}]}')

  it('a thread that will not start leaves every envelope to the caller', async () => {
    const reported: unknown[] = []
    const checks = new EnvelopeChecks(new URL('file:///nonexistent/envelope-check-worker.js'))
    checks.reportTo((err) => reported.push(err))
    expect(await checks.check(envelope, 1, anyRule)).toBeUndefined()
    expect(await checks.check(envelope, 1, anyRule)).toBeUndefined()
    expect(reported).toHaveLength(1)
    await checks.close()
  })

  it('a thread that dies leaves its envelope to the caller, and the next one gets a new thread', async () => {
    const checks = new EnvelopeChecks(
      new URL('../../fixtures/workers/dies-on-request.mjs', import.meta.url),
    )
    checks.reportTo(() => undefined)
    expect((await checks.check(envelope, 1, anyRule))?.items).toHaveLength(1)
    expect(await checks.check(Buffer.from('die'), 1, anyRule)).toBeUndefined()
    expect((await checks.check(envelope, 1, anyRule))?.items).toHaveLength(1)
    expect(checks.checked).toBe(2)
    await checks.close()
  })

  it('a closed one leaves every envelope to the caller', async () => {
    const checks = new EnvelopeChecks()
    checks.start()
    await checks.close()
    expect(await checks.check(envelope, 1, anyRule)).toBeUndefined()
  })
})
