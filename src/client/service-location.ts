import { promises as dns, type SrvRecord } from 'node:dns'
import ipaddr from 'ipaddr.js'

/** Looks up SRV records, as `dns.promises.resolveSrv` does; tests pass their own. */
export type SrvResolver = (name: string) => Promise<SrvRecord[]>

/** Whether a URL's host is this machine: plain HTTP to it never crosses a network (T-203). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback'
}

/**
 * Why a client must not send credentials to `url` (T-203): plain HTTP to another machine, unless
 * the user allowed it for a network they trust; undefined when it may.
 */
export function plainHttpRefusal(url: URL, allowed: boolean): string | undefined {
  if (url.protocol !== 'http:' || allowed || isLoopbackHost(url.hostname)) return undefined
  return `${url.origin} is plain HTTP to another machine: TAXII clients use HTTPS (T-203), and credentials would cross the network in clear. Use https://, or add --allow-plain-http on a network you trust`
}

/** DNS answers meaning "no such record": the domain itself is tried instead. */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA'])

const DOMAIN =
  /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/

function discoveryAt(host: string, port: number): string {
  return `https://${host.replace(/\.$/, '')}${port === 443 ? '' : `:${port}`}/taxii2/`
}

export interface DiscoveryCandidates {
  urls: string[]
  /** how they were found, for the user */
  source: string
}

/**
 * The Discovery URLs to try for `target`, in order. A URL is taken as given (`/taxii2/` when it
 * has no path). A domain name is looked up as `_taxii2._tcp.<domain>` (T-199, T-201): its targets
 * by priority, then by weight, highest first (a client trying them one after the other, where
 * RFC 2782 would spread load at random), each at https://target:port/taxii2/; without such a
 * record, https://<domain>/taxii2/. A lone target "." says the domain runs no TAXII service.
 */
export async function discoveryCandidates(
  target: string,
  resolveSrv: SrvResolver = (name) => dns.resolveSrv(name),
): Promise<DiscoveryCandidates> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const url = new URL(target)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`${target} is neither an https:// URL nor a domain name`)
    }
    if (url.pathname === '/') url.pathname = '/taxii2/'
    return { urls: [url.href], source: 'as given' }
  }
  if (!DOMAIN.test(target)) {
    throw new TypeError(`"${target}" is neither an https:// URL nor a domain name`)
  }
  const name = `_taxii2._tcp.${target.replace(/\.$/, '')}`
  let records: SrvRecord[]
  try {
    records = await resolveSrv(name)
  } catch (err) {
    if (!NO_RECORD.has((err as NodeJS.ErrnoException).code ?? '')) throw err
    records = []
  }
  if (records.length === 0) return { urls: [discoveryAt(target, 443)], source: `no ${name} record` }
  if (records.every((r) => r.name === '' || r.name === '.')) {
    throw new TypeError(`${name} says ${target} offers no TAXII service (target ".")`)
  }
  const ordered = records
    .filter((r) => r.name !== '' && r.name !== '.')
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight)
  return { urls: ordered.map((r) => discoveryAt(r.name, r.port)), source: `from ${name}` }
}
