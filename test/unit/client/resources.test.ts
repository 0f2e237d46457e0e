import { describe, expect, it } from 'vitest'
import { TaxiiProtocolError } from '../../../src/client/errors.js'
import {
  readApiRoot,
  readCollections,
  readDiscovery,
  readStatus,
} from '../../../src/client/resources.js'

const BASE = 'https://taxii.example/taxii2/'

describe('readDiscovery', () => {
  it('T-207 resolves relative api_roots against the discovery URL and skips T-069 breakers', () => {
    const d = readDiscovery(
      {
        title: 't',
        default: '/api1/',
        api_roots: [
          '/api1/',
          'https://other.example/api2',
          '//evil.example/api/',
          '../up/',
          'api3/',
          'https://taxii.example/api4/?x=1',
          'ftp://taxii.example/api5/',
        ],
        x_custom: 1,
      },
      BASE,
    )
    expect(d.api_roots).toEqual(['https://taxii.example/api1/', 'https://other.example/api2/'])
    expect(d.default).toBe('https://taxii.example/api1/')
    expect(d.x_custom).toBe(1)
  })

  it('gives an empty list when api_roots is absent, and drops an unusable default', () => {
    const d = readDiscovery({ title: 't', default: '//x/' }, BASE)
    expect(d.api_roots).toEqual([])
    expect('default' in d).toBe(false)
  })

  it('T-202 refuses a discovery resource without its required title', () => {
    expect(() => readDiscovery({ api_roots: [] }, BASE)).toThrow(TaxiiProtocolError)
    expect(() => readDiscovery([], BASE)).toThrow(TaxiiProtocolError)
  })
})

describe('readApiRoot', () => {
  it('T-073 requires a positive integer max_content_length', () => {
    const ok = { title: 'a', versions: ['application/taxii+json;version=2.1'] }
    expect(readApiRoot({ ...ok, max_content_length: 1000 }, BASE).max_content_length).toBe(1000)
    for (const bad of [undefined, 0, -1, 1.5, '1000']) {
      expect(() => readApiRoot({ ...ok, max_content_length: bad }, BASE)).toThrow(
        TaxiiProtocolError,
      )
    }
  })
})

describe('readStatus', () => {
  it('T-083 derives missing counts from the detail lists', () => {
    const s = readStatus(
      {
        id: 's',
        status: 'complete',
        successes: [{ id: 'a', version: 'v' }],
        failures: [{ id: 'b', version: 'v', message: 'no' }],
      },
      BASE,
    )
    expect(s).toMatchObject({
      total_count: 2,
      success_count: 1,
      failure_count: 1,
      pending_count: 0,
    })
  })

  it('refuses a status that is neither complete nor pending', () => {
    expect(() => readStatus({ id: 's', status: 'done' }, BASE)).toThrow(TaxiiProtocolError)
  })
})

describe('custom properties', () => {
  it('T-195 T-198 reads every TAXII resource with custom properties it does not know, and keeps them', () => {
    const custom = { x_partner_lab_tier: 'gold', x_example_org_note: { a: [1] } }
    const root = readApiRoot({ title: 'a', versions: [], max_content_length: 1, ...custom }, BASE)
    expect(root).toMatchObject(custom)
    const [collection] = readCollections(
      {
        collections: [{ id: 'c', title: 't', can_read: true, can_write: false, ...custom }],
        ...custom,
      },
      BASE,
    )
    expect(collection).toMatchObject({ id: 'c', ...custom })
    const status = readStatus(
      {
        id: 's',
        status: 'complete',
        successes: [{ id: 'a', version: 'v', ...custom }],
        ...custom,
      },
      BASE,
    )
    expect(status).toMatchObject({ success_count: 1, ...custom })
    expect(readDiscovery({ title: 't', ...custom }, BASE)).toMatchObject(custom)
  })
})
