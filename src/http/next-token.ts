import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { badNext } from '../errors.js'
import type { KeysetPosition } from '../storage/store.js'

/** What a `next` token is bound to (T-128): the same query by the same subject. */
export interface NextBinding {
  endpoint: string
  apiRoot: string
  collection: string
  objectId?: string
  filters: string
  sub: string
}

const TAG_BYTES = 16
const LIFETIME_SECONDS = 7 * 24 * 3600

interface Payload {
  b: string
  d: string
  p: string
  t: number
}

function bindingHash(b: NextBinding): string {
  return createHash('sha256')
    .update(
      JSON.stringify([b.endpoint, b.apiRoot, b.collection, b.objectId ?? '', b.filters, b.sub]),
    )
    .digest('base64url')
    .slice(0, 16)
}

const tag = (secret: Uint8Array, data: Buffer) =>
  createHmac('sha256', secret).update(data).digest().subarray(0, TAG_BYTES)

/**
 * An opaque, URL-safe (`[A-Za-z0-9_-]`) token holding a keyset position, HMAC-bound to the query
 * and subject so a client can neither forge a position nor carry it to other data (T-050).
 */
export function encodeNext(
  secret: Uint8Array,
  binding: NextBinding,
  position: KeysetPosition,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const payload: Payload = {
    b: bindingHash(binding),
    d: position.date_added,
    p: position.pk,
    t: nowSeconds,
  }
  const data = Buffer.from(JSON.stringify(payload))
  return Buffer.concat([data, tag(secret, data)]).toString('base64url')
}

export function decodeNext(
  secret: Uint8Array,
  binding: NextBinding,
  token: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): KeysetPosition {
  const raw = Buffer.from(token, 'base64url')
  if (raw.length <= TAG_BYTES) throw badNext('the next token is not one this hub issued')
  const data = raw.subarray(0, raw.length - TAG_BYTES)
  const expected = tag(secret, data)
  if (!timingSafeEqual(expected, raw.subarray(raw.length - TAG_BYTES))) {
    throw badNext('the next token is not one this hub issued')
  }
  const payload = JSON.parse(data.toString('utf8')) as Payload
  if (payload.b !== bindingHash(binding)) {
    throw badNext('the next token belongs to a different query: repeat the original filters')
  }
  if (nowSeconds - payload.t > LIFETIME_SECONDS) {
    throw badNext('the next token has expired: restart from added_after')
  }
  return { date_added: payload.d, pk: payload.p }
}
