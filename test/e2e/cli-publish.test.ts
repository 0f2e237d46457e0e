import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { luhnValid } from '../../src/stix/distill/keyed-hash.js'
import { runCli } from '../helpers/cli.js'
import { DIALECTS } from '../helpers/db.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'

const SLOW = 300_000
const ID_KEY = '00'.repeat(16) + '11'.repeat(16)
const PAY_KEY = Buffer.alloc(32, 0x5a).toString('base64')
const KEYS = { HYDRAWATCH_ID_KEY: ID_KEY, HYDRAWATCH_PAYMENT_KEY: PAY_KEY }
const KEY_IDS = ['--id-key-id', 'hub-id-2025-07', '--payment-key-id', 'hub-pay-2025-07']
const WHO = ['--identity-name', 'Example AI Lab', '--campaign', 'HYDRA-0042 output harvesting']

const MIXED_EMAILS = ['Jane.Doe+promo@Burner-Mail.example', 'bob.smith@gmail.com']
const MIXED_PANS = ['4111 1111 1111 1111', '5555555555554444']
const MIXED = [
  'kind,value,valid_from,confidence,fingerprint_kind,features',
  'ip,203.0.113.7/24,2025-07-14,,,',
  'ipv6-cidr,2001:DB8:4A00::1/40,,,,',
  'asn,AS64500,,,,',
  `email,${MIXED_EMAILS[0]},,,,`,
  `email,${MIXED_EMAILS[1]},,85,,`,
  'phone,+1 555 555 0123,,,,',
  `payment,${MIXED_PANS[0]},,,,`,
  `payment,${MIXED_PANS[1]},,,,`,
  'email-domain,burner-mail.example,,,,',
  'ip,999.0.0.1,,,,',
  'traffic-fingerprint,t13d1516h2_8daaf6152771_b186095e22b6,,,tls-client,',
  `traffic-fingerprint,,,,request-cadence,"{""iat_p50_ms_log2"":10,""iat_cv_pct_bucket"":5,""prompt_tokens_p50_log2"":9,""output_tokens_p50_log2"":11,""concurrency_p95_log2"":5,""active_hours"":24,""sampling_fixed"":true}"`,
  'payment,4111 1111 1111 1112,,,,',
  'asn,AS64501,,101,,',
].join('\n')

/** A Luhn-valid 16-digit test PAN numbered n. */
function pan(n: number): string {
  const body = `4000${String(n).padStart(11, '0')}`
  const check = [...'0123456789'].find((d) => luhnValid(body + d))!
  return body + check
}

/** `rows` distinct rows of five kinds, so every row makes its own three objects. */
function generatedCsv(rows: number): { csv: string; emails: string[]; pans: string[] } {
  const lines = ['kind,value']
  const emails: string[] = []
  const pans: string[] = []
  for (let i = 0; i < rows; i++) {
    switch (i % 5) {
      case 0:
        lines.push(`ip,10.${(i >> 8) & 255}.${i & 255}.${i % 7}/24`)
        break
      case 1:
        lines.push(`ipv6-cidr,2001:db8:${i.toString(16)}::/48`)
        break
      case 2:
        emails.push(`user.${i}+tag@mail${i % 13}.example`)
        lines.push(`email,${emails.at(-1)}`)
        break
      case 3:
        lines.push(`asn,${4_200_000_000 + i}`)
        break
      default:
        pans.push(pan(i))
        lines.push(`payment,${pans.at(-1)}`)
    }
  }
  return { csv: `${lines.join('\n')}\n`, emails, pans }
}

async function manifest(hub: TestHub, token: string): Promise<string[]> {
  const out: string[] = []
  let next: string | undefined
  do {
    const query = next === undefined ? 'limit=1000' : `limit=1000&next=${next}`
    const res = await hub.request(`/hub/collections/distillation-indicators/manifest/?${query}`, {
      token,
    })
    for (const m of res.json.objects ?? []) out.push(`${m.id} ${m.version} ${m.date_added}`)
    next = res.json.more === true ? res.json.next : undefined
  } while (next !== undefined)
  return out
}

describe('hydrawatch publish --dry-run', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hw-publish-'))
    writeFileSync(join(dir, 'mixed.csv'), MIXED)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const dryRun = () =>
    runCli(
      [
        'publish',
        join(dir, 'mixed.csv'),
        ...WHO,
        ...KEY_IDS,
        '--dry-run',
        '--valid-from',
        '2025-07-14',
      ],
      KEYS,
    )

  it(
    'prints a bundle that hydrawatch validate accepts, with no personal data in clear',
    async () => {
      const res = await dryRun()
      // three rows cannot be converted: the command says so, and fails
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('line 11: not an IPv4 address')
      expect(res.stderr).toContain('line 14: not a card number')
      expect(res.stderr).toContain('line 15: confidence must be a whole number from 0 to 100')
      expect(res.stderr).toContain('14 rows: 11 converted, 3 rejected')
      const bundle = JSON.parse(res.stdout)
      expect(bundle.type).toBe('bundle')
      // identity, campaign, its uses of ATLAS, then three objects per converted row
      expect(bundle.objects).toHaveLength(3 + 11 * 3)
      const file = join(dir, 'bundle.json')
      writeFileSync(file, res.stdout)
      const validated = await runCli(['validate', file])
      expect(validated.stderr).toContain(`${bundle.objects.length} objects checked, 0 invalid`)
      expect(validated.code).toBe(0)

      const text = `${res.stdout}\n${res.stderr}`.toLowerCase()
      for (const secret of [
        ...MIXED_EMAILS,
        'jane.doe@burner-mail.example',
        'bobsmith@gmail.com',
        ...MIXED_PANS,
        ...MIXED_PANS.map((p) => p.replace(/ /g, '')),
        '4111 1111 1111 1112',
        '+15555550123',
      ]) {
        expect(text).not.toContain(secret.toLowerCase())
      }

      const again = await dryRun()
      expect(again.stdout).toBe(res.stdout)
    },
    SLOW,
  )

  it(
    'G-040 refuses to run without a key the rows need, and exits 2',
    async () => {
      const res = await runCli(['publish', join(dir, 'mixed.csv'), ...WHO, '--dry-run'], {
        HYDRAWATCH_ID_KEY: ID_KEY,
        HYDRAWATCH_ID_KEY_ID: 'hub-id-2025-07',
      })
      expect(res.code).toBe(2)
      expect(res.stderr).toContain('2 rows need the payment key')
      expect(res.stderr).toContain('lines 8, 9')
      expect(res.stderr).toContain('nothing was published')
      expect(res.stdout).toBe('')
    },
    SLOW,
  )

  it(
    'exits 2 on options that do not fit together',
    async () => {
      const file = join(dir, 'mixed.csv')
      const none = await runCli(['publish', file, '--campaign', 'c', '--dry-run'])
      expect(none.code).toBe(2)
      expect(none.stderr).toContain('--identity-name ORG or --identity ID')
      const short = await runCli(['publish', file, ...WHO, '--dry-run', '--id-key-id', 'k'], {
        HYDRAWATCH_ID_KEY: 'abcd',
      })
      expect(short.code).toBe(2)
      expect(short.stderr).toContain('at least 256 bits')
      const unset = await runCli(
        ['publish', file, ...WHO, ...KEY_IDS, '--token-env', 'NO_SUCH_VAR'],
        KEYS,
      )
      expect(unset.code).toBe(2)
      expect(unset.stderr).toContain('NO_SUCH_VAR')
    },
    SLOW,
  )
})

describe.each(DIALECTS)('hydrawatch publish into a running hub (%s)', (dialect) => {
  let hub: TestHub
  let token: string
  let dir: string

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    token = await hub.token({ read: ['*'], write: ['*'] })
    dir = mkdtempSync(join(tmpdir(), 'hw-publish-'))
  })
  afterAll(async () => {
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const publish = (file: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(
      [
        'publish',
        file,
        ...WHO,
        ...KEY_IDS,
        '--valid-from',
        '2025-07-14T09:30:00Z',
        '--url',
        `${hub.url}/hub/`,
        ...extra,
      ],
      { ...KEYS, HUB_TOKEN: token, ...env },
    )

  it(
    'T-214 publishes 10,000 rows in one command; a second run adds nothing new',
    async () => {
      const { csv, emails, pans } = generatedCsv(10_000)
      const file = join(dir, 'rows.csv')
      writeFileSync(file, csv)
      const first = await publish(file, ['--token-env', 'HUB_TOKEN'])
      expect(first.stderr).toContain('10000 rows: 10000 converted, 0 rejected; 30003 objects')
      expect(first.code, first.stderr).toBe(0)
      const summary = JSON.parse(first.stdout)
      expect(summary).toMatchObject({
        rows: 10_000,
        rejected_rows: 0,
        objects: 30_003,
        succeeded: 30_003,
        already_held: [],
        failed: 0,
      })
      expect(summary.envelopes).toBeGreaterThanOrEqual(31)
      expect(summary.statuses).toHaveLength(summary.envelopes)
      // off a terminal, one plain line per status resource
      expect(first.stderr.match(/^envelope \d+\/\d+: status /gm)).toHaveLength(summary.envelopes)

      const stored = await manifest(hub, token)
      expect(stored).toHaveLength(30_003)
      const objects = await hub.request(
        '/hub/collections/distillation-indicators/objects/?match[type]=indicator&limit=1000',
        { token },
      )
      expect(objects.json.objects).toHaveLength(1000)
      expect(objects.json.objects[0]).toMatchObject({
        pattern_type: 'stix',
        valid_from: '2025-07-14T09:30:00.000Z',
        created_by_ref: expect.stringMatching(/^identity--/),
      })
      const indicators = objects.text.toLowerCase()
      for (const secret of [...emails.slice(0, 50), ...pans.slice(0, 50)]) {
        expect(indicators).not.toContain(secret.toLowerCase())
      }

      const second = await publish(file, ['--username', 'acme', '--password-env', 'HUB_TOKEN'])
      expect(second.code, second.stderr).toBe(0)
      // T-137: every object is a version the collection holds already: a success, stored once;
      // the identity and campaign are not even sent (S-060: a later run would change `created`)
      const again = JSON.parse(second.stdout)
      expect(again).toMatchObject({ succeeded: 30_001, failed: 0 })
      expect(again.already_held).toEqual([
        expect.stringMatching(/^identity--/),
        expect.stringMatching(/^campaign--/),
      ])
      expect(await manifest(hub, token)).toEqual(stored)
    },
    SLOW,
  )

  it(
    'reports bad rows with their line numbers and stores the rest',
    async () => {
      const file = join(dir, 'mixed.csv')
      writeFileSync(file, MIXED)
      const before = (await manifest(hub, token)).length
      const res = await publish(file, ['--token-env', 'HUB_TOKEN'])
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/^line 11: /m)
      expect(res.stderr).toMatch(/^line 14: /m)
      expect(res.stderr).toMatch(/^line 15: /m)
      const summary = JSON.parse(res.stdout)
      expect(summary).toMatchObject({ rejected_rows: 3, objects: 36, succeeded: 34, failed: 0 })
      expect(summary.already_held).toHaveLength(2)
      // identity, campaign and its uses relationship were stored by the 10,000-row run already
      expect((await manifest(hub, token)).length).toBe(before + 33)
    },
    SLOW,
  )

  it(
    'T-171 a token bound to another identity gets every attributed object refused',
    async () => {
      const file = join(dir, 'one.csv')
      writeFileSync(file, 'kind,value\nip,198.51.100.0/24\n')
      const bound = await hub.token({
        write: ['*'],
        identities: ['identity--9586c148-b0f3-483b-83f0-0d4864903898'],
      })
      const res = await publish(file, ['--token-env', 'BOUND'], { BOUND: bound })
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/^failed: indicator--\S+ \S+: T-171 created_by_ref/m)
      // a write-only token cannot look the identity and campaign up, so they are sent: stored
      // versions already (T-137), like the uses relationship; the SCO is unattributed
      expect(JSON.parse(res.stdout)).toMatchObject({
        objects: 6,
        succeeded: 4,
        failed: 2,
        already_held: [],
      })
    },
    SLOW,
  )
})
