/**
 * Deterministic STIX 2.1 indicators for the benchmark: object i is a pure function of i, so an
 * envelope (or a COPY batch) can be built lazily from its first index and a run of N objects
 * never holds more than one envelope per poster in memory. Texts are ~760 bytes.
 */

const BASE_MS = Date.UTC(2025, 0, 1)

const LABS = [
  'identity--2f1c7a4e-6b0d-4c1e-9a57-3d8e0b6f4a21',
  'identity--7d3e9b12-58a4-4f6c-8e21-c04b9d1f3e75',
  'identity--a94c0e6d-1f27-4b38-b5d9-6e2a7c8f0b13',
  'identity--c5b8f213-9e4a-4d07-a6c3-18f0e2d7b94a',
] as const

const PROXIES = ['residential', 'datacenter', 'mobile', 'commercial VPN'] as const
const TLP_GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'

/** A 32-bit avalanche hash of (i, salt): independent-looking fields without a shared PRNG state. */
function hash(i: number, salt: number): number {
  let x = (Math.imul(i, 0x9e3779b1) + Math.imul(salt, 0x85ebca6b)) | 0
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

/** Two hex digits per byte value: formatting by table, not toString(16), halves an object's cost. */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** The last `digits` (3, 4 or 8) hex digits of the 32-bit `n`. */
function hex(n: number, digits: 3 | 4 | 8): string {
  const low = HEX_BYTE[n & 255]!
  const two = HEX_BYTE[(n >>> 8) & 255]! + low
  if (digits === 3) return two.slice(1)
  if (digits === 4) return two
  return HEX_BYTE[n >>> 24]! + HEX_BYTE[(n >>> 16) & 255]! + two
}

/** i (below 2^48) as 12 hex digits. */
function hex12(i: number): string {
  const high = Math.floor(i / 2 ** 24)
  const low = i % 2 ** 24
  return (
    HEX_BYTE[(high >>> 16) & 255]! +
    HEX_BYTE[(high >>> 8) & 255]! +
    HEX_BYTE[high & 255]! +
    HEX_BYTE[low >>> 16]! +
    HEX_BYTE[(low >>> 8) & 255]! +
    HEX_BYTE[low & 255]!
  )
}

/** A v4-shaped UUID whose last 12 hex digits are i: unique for every i below 2^48. */
function uuid(i: number, salt: number): string {
  const variant = '89ab'[hash(i, salt + 3) & 3]!
  return `${hex(hash(i, salt), 8)}-${hex(hash(i, salt + 1), 4)}-4${hex(hash(i, salt + 2), 3)}-${variant}${hex(hash(i, salt + 4), 3)}-${hex12(i)}`
}

export const objectId = (i: number): string => `indicator--${uuid(i, 1)}`

const DAY_MS = 86_400_000
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'))
let cachedDay = NaN
let cachedDayText = ''

/** `new Date(ms).toISOString()` for the bench's dates, its day part formatted once per day. */
function isoTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS)
  if (day !== cachedDay) {
    cachedDay = day
    cachedDayText = new Date(day * DAY_MS).toISOString().slice(0, 11)
  }
  const inDay = ms - day * DAY_MS
  const seconds = Math.floor(inDay / 1000)
  return `${cachedDayText}${TWO_DIGITS[Math.floor(seconds / 3600)]!}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]!}:${TWO_DIGITS[seconds % 60]!}.${THREE_DIGITS[inDay % 1000]!}Z`
}

/** The JSON text of object i: an indicator of ~700 bytes with an ipv4 CIDR pattern. */
export function objectText(i: number): string {
  const h = hash(i, 11)
  const cluster = h % 997
  const created = BASE_MS + i * 37_000 + (h % 1000)
  const modified = created + (hash(i, 12) % 3600) * 1000
  const net = hash(i, 13)
  const prefix = 16 + (net % 13)
  const a = 1 + ((net >>> 8) % 223)
  const b = (net >>> 16) & 255
  const c = prefix > 24 ? (net >>> 4) & 255 : 0
  const host = `${b}.${(net >>> 3) & 255}.${(net >>> 11) & 255}.${(net >>> 19) & 255}`
  const proxy = PROXIES[(h >>> 10) & 3]!
  const from = isoTime(created)
  // A template, not JSON.stringify: every value is plain ASCII without quotes or backslashes, and
  // the generator shares the 2 cores with the hub and PostgreSQL, so it should cost little.
  return `{"type":"indicator","spec_version":"2.1","id":"${objectId(i)}","created_by_ref":"${LABS[(h >>> 12) & 3]!}","created":"${from}","modified":"${isoTime(modified)}","name":"HC-${cluster} ${proxy} proxy range ${a}.${b}.${c}.0/${prefix}","description":"Hydra cluster HC-${cluster} harvested model outputs through ${proxy} proxies: ${(h >>> 4) % 5000} accounts, ${(h >>> 2) % 90_000} requests/h.","indicator_types":["malicious-activity","anonymization"],"pattern":"[ipv4-addr:value = '${a}.${b}.${c}.0/${prefix}'] OR [ipv4-addr:value = '${host}/32']","pattern_type":"stix","valid_from":"${from}","labels":["distillation","hydra-cluster-${cluster}"],"confidence":${50 + (h % 46)},"object_marking_refs":["${TLP_GREEN}"]}`
}

/**
 * Writes TAXII envelopes into one buffer, reused from one envelope to the next: an envelope built
 * as a 770 kB string and then encoded cost a poster as much CPU as generating its objects, CPU
 * the hub and PostgreSQL it measures share.
 */
export class EnvelopeWriter {
  #buffer = Buffer.allocUnsafe(1 << 20)

  /** The envelope holding objects [first, first + count), valid until the next call. */
  write(first: number, count: number): Buffer {
    let at = this.#put('{"objects":[', 0)
    for (let k = 0; k < count; k++) {
      if (k > 0) at = this.#put(',', at)
      at = this.#put(objectText(first + k), at)
    }
    at = this.#put(']}', at)
    return this.#buffer.subarray(0, at)
  }

  /** Writes ASCII `text` at `at`, growing the buffer if need be; returns the end. */
  #put(text: string, at: number): number {
    if (at + text.length > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.#buffer.length, at + text.length))
      this.#buffer.copy(grown, 0, 0, at)
      this.#buffer = grown
    }
    return at + this.#buffer.write(text, at, 'latin1')
  }
}

/** Objects in each envelope the bench posts, and in a page of the sync it times first. */
export const ENVELOPE = 1000

/** Every generated object's text starts with this, so a page's objects can be counted cheaply. */
export const OBJECT_MARK = '{"type":"indicator"'
