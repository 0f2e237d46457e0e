/**
 * Texts joined by one separator byte into a single UTF-8 Buffer of exactly their size, between a
 * `head` and a `tail`.
 *
 * Pages of manifests and versions go out this way. Joining the texts into one JS string first and
 * encoding that cost four times as much: a 770 kB string is a fresh large-object allocation each
 * time, and its UTF-8 copy another.
 */
export function joinedText(
  items: readonly string[],
  separator: number,
  head = '',
  tail = '',
): Buffer {
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, items.length - 1)
  for (const item of items) size += Buffer.byteLength(item)
  const out = Buffer.allocUnsafe(size)
  let at = out.write(head, 0)
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[at++] = separator
    at += out.write(items[i]!, at)
  }
  at += out.write(tail, at)
  if (at !== size) throw new Error(`joinedText wrote ${at} of ${size} bytes`)
  return out
}
