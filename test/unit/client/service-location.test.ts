import type { SrvRecord } from 'node:dns'
import { describe, expect, it } from 'vitest'
import {
  discoveryCandidates,
  isLoopbackHost,
  type SrvResolver,
} from '../../../src/client/service-location.js'

/** A resolver that knows one name, and records what it was asked. */
function resolver(name: string, records: SrvRecord[]) {
  const asked: string[] = []
  const resolve: SrvResolver = async (n) => {
    asked.push(n)
    if (n === name) return records
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${n}`), { code: 'ENOTFOUND' })
  }
  return { asked, resolve }
}

const srv = (name: string, port: number, priority: number, weight: number): SrvRecord => ({
  name,
  port,
  priority,
  weight,
})

describe('discoveryCandidates', () => {
  it('T-199 T-201 looks a domain up as _taxii2._tcp, the record T-199 has organisations publish, and orders its targets by priority, then weight', async () => {
    const { asked, resolve } = resolver('_taxii2._tcp.partner.example', [
      srv('backup.partner.example', 8443, 20, 100),
      srv('taxii-b.partner.example', 443, 10, 10),
      srv('taxii-a.partner.example', 443, 10, 60),
    ])
    expect(await discoveryCandidates('partner.example', resolve)).toEqual({
      urls: [
        'https://taxii-a.partner.example/taxii2/',
        'https://taxii-b.partner.example/taxii2/',
        'https://backup.partner.example:8443/taxii2/',
      ],
      source: 'from _taxii2._tcp.partner.example',
    })
    expect(asked).toEqual(['_taxii2._tcp.partner.example'])
  })

  it('T-201 falls back to https://<domain>/taxii2/ when the domain publishes no record', async () => {
    const { resolve } = resolver('_taxii2._tcp.elsewhere.example', [])
    expect(await discoveryCandidates('partner.example.', resolve)).toEqual({
      urls: ['https://partner.example/taxii2/'],
      source: 'no _taxii2._tcp.partner.example record',
    })
  })

  it('T-201 takes a lone "." target as "no TAXII service here"', async () => {
    const { resolve } = resolver('_taxii2._tcp.partner.example', [srv('', 0, 0, 0)])
    await expect(discoveryCandidates('partner.example', resolve)).rejects.toThrow(
      /offers no TAXII service/,
    )
  })

  it('passes a DNS failure other than "no such record" on', async () => {
    const resolve: SrvResolver = async () => {
      throw Object.assign(new Error('querySrv ETIMEOUT'), { code: 'ETIMEOUT' })
    }
    await expect(discoveryCandidates('partner.example', resolve)).rejects.toThrow(/ETIMEOUT/)
  })

  it('takes a URL as given, adding /taxii2/ to a bare origin, without asking DNS', async () => {
    const { asked, resolve } = resolver('none', [])
    expect(await discoveryCandidates('https://taxii.partner.example/api/taxii2/', resolve)).toEqual(
      {
        urls: ['https://taxii.partner.example/api/taxii2/'],
        source: 'as given',
      },
    )
    expect((await discoveryCandidates('https://taxii.partner.example', resolve)).urls).toEqual([
      'https://taxii.partner.example/taxii2/',
    ])
    expect(asked).toEqual([])
  })

  it.each(['ftp://partner.example/', 'partner example', 'partner.example:8443', '-bad.example'])(
    'refuses %s',
    async (target) => {
      await expect(discoveryCandidates(target, resolver('x', []).resolve)).rejects.toThrow(
        /neither an https:\/\/ URL nor a domain name/,
      )
    },
  )
})

describe('isLoopbackHost', () => {
  it.each(['localhost', 'hub.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '[::ffff:7f00:1]'])(
    'T-203 %s is this machine',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  )

  it.each(['partner.example', 'localhost.partner.example', '10.0.0.1', '[2001:db8::1]'])(
    'T-203 %s is another machine',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  )
})
