import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addFeed, type FeedInput } from '../../../src/sync/feeds.js'
import { runCli } from '../../helpers/cli.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'

describe.each(DIALECTS)('feeds add: the partner URL (%s)', (dialect) => {
  let hub: TestHub
  let n = 0
  const input = (url: string, extra: Partial<FeedInput> = {}): FeedInput => ({
    name: `partner-${++n}`,
    url,
    collection: 'indicators',
    into: 'distillation-indicators',
    credentials: { kind: 'none' },
    ...extra,
  })

  beforeAll(async () => {
    hub = await startTestHub(dialect)
  })
  afterAll(() => hub.close())

  it.each([
    'https://taxii.partner.example/api1/',
    'http://127.0.0.1:9000/api1/',
    'http://127.8.9.10/api1/',
    'http://localhost:9000/api1/',
    'http://[::1]:9000/api1/',
    'http://[::ffff:127.0.0.1]:9000/api1/',
  ])('T-203 takes %s', async (url) => {
    const feed = await addFeed(hub.server.deps, input(url))
    // as the URL standard writes it: [::ffff:127.0.0.1] becomes [::ffff:7f00:1]
    expect(feed.url).toBe(new URL(url).href)
  })

  it.each([
    'http://taxii.partner.example/api1/',
    'http://10.1.2.3/api1/',
    'http://[2001:db8::1]/api1/',
    'http://localhost.partner.example/api1/',
  ])('T-203 refuses plain HTTP to another machine: %s', async (url) => {
    await expect(addFeed(hub.server.deps, input(url))).rejects.toThrow(
      /is plain HTTP to another machine: TAXII clients use HTTPS \(T-203\).*--allow-plain-http/,
    )
  })

  it('T-203 takes plain HTTP to another machine when told to', async () => {
    const url = 'http://taxii.lab.internal/api1/'
    const feed = await addFeed(hub.server.deps, input(url, { allowPlainHttp: true }))
    expect(feed.url).toBe(url)
  })

  it.runIf(dialect === 'postgres')(
    'T-203 the CLI refuses it with exit 1 and takes --allow-plain-http',
    async () => {
      const args = (name: string) => [
        '--database-url',
        hub.databaseUrl,
        'feeds',
        'add',
        name,
        '--url',
        'http://taxii.partner.example/api1/',
        '--collection',
        'indicators',
        '--into',
        'distillation-indicators',
      ]
      const refused = await runCli(args('cli-refused'))
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/plain HTTP to another machine/)
      const allowed = await runCli([...args('cli-allowed'), '--allow-plain-http'])
      expect(allowed.code, allowed.stderr).toBe(0)
      expect(allowed.stdout.trim()).toBe('cli-allowed')
    },
  )
})
