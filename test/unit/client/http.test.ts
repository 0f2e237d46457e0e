import { describe, expect, it } from 'vitest'
import { TaxiiNetworkError } from '../../../src/client/errors.js'
import { HttpTransport, isTaxiiJsonContentType, parseRetryAfter } from '../../../src/client/http.js'

describe('isTaxiiJsonContentType', () => {
  it.each([
    'application/taxii+json;version=2.1',
    'application/taxii+json; version=2.1',
    'application/taxii+json; charset=utf-8; version=2.1',
    'application/taxii+json ; version = 2.1',
    'Application/TAXII+JSON;Version="2.1"',
    'application/taxii+json',
    'application/taxii+json;charset=UTF-8',
    'application/json',
    'application/json; charset=utf-8',
  ])('T-021 accepts %s (servers in the field vary)', (ct) => {
    expect(isTaxiiJsonContentType(ct)).toBe(true)
  })

  it.each([
    'application/taxii+json;version=2.0',
    'application/stix+json;version=2.1',
    'text/html',
    'text/plain; charset=utf-8',
    '',
  ])('refuses %s', (ct) => {
    expect(isTaxiiJsonContentType(ct)).toBe(false)
  })

  it('refuses a missing Content-Type', () => {
    expect(isTaxiiJsonContentType(null)).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-07-14T09:30:00Z')

  it('T-212 reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
  })

  it('T-212 reads an HTTP date as the time left until it, never negative', () => {
    expect(parseRetryAfter('Mon, 14 Jul 2025 09:30:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Mon, 14 Jul 2025 09:29:00 GMT', now)).toBe(0)
  })

  it('ignores what is absent or unreadable', () => {
    for (const v of [null, '', 'soon', '1.5', '-3', 'Mon, 99 Foo 2025']) {
      expect(parseRetryAfter(v, now), String(v)).toBeUndefined()
    }
  })
})

describe('HttpTransport retries', () => {
  /** A fetch that fails the way undici does, with the socket's error as cause, and counts calls. */
  function failingFetch(code: string, message: string) {
    const calls = { count: 0 }
    const fetch = (async () => {
      calls.count++
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) })
    }) as unknown as typeof globalThis.fetch
    return { calls, fetch }
  }

  it('T-205 T-212 does not retry a server certificate that fails verification', async () => {
    const { calls, fetch } = failingFetch(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate',
    )
    const http = new HttpTransport({ fetch, retries: 3, minDelayMs: 1, maxDelayMs: 1 })
    const failure = http.send('GET', 'https://partner.example/taxii2/')
    await expect(failure).rejects.toThrow(TaxiiNetworkError)
    await expect(failure).rejects.toThrow(/unable to verify the first certificate/)
    expect(calls.count).toBe(1)
  })

  it('T-212 retries a refused connection', async () => {
    const { calls, fetch } = failingFetch('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')
    const http = new HttpTransport({ fetch, retries: 3, minDelayMs: 1, maxDelayMs: 1 })
    await expect(http.send('GET', 'https://partner.example/taxii2/')).rejects.toThrow(
      TaxiiNetworkError,
    )
    expect(calls.count).toBe(4)
  })
})

describe('HttpTransport errors', () => {
  const answering = (body: unknown) =>
    (async () =>
      new Response(JSON.stringify(body), {
        status: 400,
        headers: { 'content-type': 'application/taxii+json;version=2.1' },
      })) as unknown as typeof fetch

  it('says what the server said was wrong: title, then description', async () => {
    const transport = new HttpTransport({
      fetch: answering({ title: 'Bad filter', description: 'match[version] takes last, first' }),
    })
    await expect(transport.send('GET', 'https://taxii.example/api/')).rejects.toThrow(
      'GET https://taxii.example/api/: HTTP 400 Bad filter (match[version] takes last, first)',
    )
  })

  it('shows the title alone when the description is missing or not text', async () => {
    for (const description of [undefined, 42]) {
      const transport = new HttpTransport({
        fetch: answering({ title: 'Bad filter', description }),
      })
      await expect(transport.send('GET', 'https://taxii.example/api/')).rejects.toThrow(
        /HTTP 400 Bad filter$/,
      )
    }
  })
})
