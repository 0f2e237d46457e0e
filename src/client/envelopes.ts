import { Buffer } from 'node:buffer'

const HEAD = '{"objects":['
const TAIL = ']}'
const OVERHEAD = Buffer.byteLength(HEAD) + Buffer.byteLength(TAIL)

/**
 * The envelope (§3.7) holding these exact object texts: what `addObjects` posts.
 *
 * @example
 * envelopeBody(['{"type":"indicator"}']) // '{"objects":[{"type":"indicator"}]}'
 */
export const envelopeBody = (objectTexts: readonly string[]): string =>
  `${HEAD}${objectTexts.join(',')}${TAIL}`

export interface PackedEnvelopes {
  /** Bodies to POST in order; `indexes` are the positions in the input of the objects each holds. */
  envelopes: { body: string; indexes: number[] }[]
  /** Positions of objects whose envelope alone would exceed `maxBytes`: never sent. */
  tooLarge: number[]
}

export interface PackOptions {
  /** Most objects in one envelope (servers cap it too, e.g. hydrawatch's 10,000). */
  maxObjects?: number
}

/**
 * Packs exact object texts, in order, into envelope bodies of at most `maxBytes` bytes of UTF-8
 * each: the API root's `max_content_length` (T-214). The texts are used verbatim, so what the
 * server stores is byte for byte what the caller holds.
 *
 * @see TAXII 2.1 §4.2.1 (max_content_length), T-076, T-214
 * @example
 * const { max_content_length } = await client.apiRoot(apiRootUrl)
 * const { envelopes, tooLarge } = packEnvelopes(texts, max_content_length)
 * for (const { indexes } of envelopes) {
 *   await collection.addObjects(indexes.map((i) => texts[i]!)) // posts the same body
 * }
 */
export function packEnvelopes(
  objectTexts: readonly string[],
  maxBytes: number,
  options: PackOptions = {},
): PackedEnvelopes {
  const maxObjects = options.maxObjects ?? Infinity
  if (!(maxBytes > 0)) throw new TypeError(`maxBytes must be positive, got ${maxBytes}`)
  if (!(maxObjects >= 1)) throw new TypeError(`maxObjects must be at least 1, got ${maxObjects}`)

  const result: PackedEnvelopes = { envelopes: [], tooLarge: [] }
  let texts: string[] = []
  let indexes: number[] = []
  let size = OVERHEAD
  const flush = () => {
    if (indexes.length === 0) return
    result.envelopes.push({ body: envelopeBody(texts), indexes })
    texts = []
    indexes = []
    size = OVERHEAD
  }

  objectTexts.forEach((text, index) => {
    const bytes = Buffer.byteLength(text, 'utf8')
    if (OVERHEAD + bytes > maxBytes) {
      result.tooLarge.push(index)
      return
    }
    const comma = indexes.length === 0 ? 0 : 1
    if (size + comma + bytes > maxBytes || indexes.length >= maxObjects) flush()
    size += (indexes.length === 0 ? 0 : 1) + bytes
    texts.push(text)
    indexes.push(index)
  })
  flush()
  return result
}
