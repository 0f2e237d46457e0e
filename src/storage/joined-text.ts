import type { JoinedTexts } from './store.js'

/**
 * Texts joined by one separator byte, written as UTF-8 where the response is built.
 *
 * Pages of manifests and versions go out this way. Joining the texts into one JS string first and
 * encoding that cost four times as much: a 770 kB string is a fresh large-object allocation each
 * time, and its UTF-8 copy another.
 */
export function joinedText(items: readonly string[], separator: number): JoinedTexts {
  let size = Math.max(0, items.length - 1)
  for (const item of items) size += Buffer.byteLength(item)
  return {
    size,
    writeTo(target, at) {
      const end = at + size
      for (let i = 0; i < items.length; i++) {
        if (i > 0) target[at++] = separator
        at += target.write(items[i]!, at)
      }
      if (at !== end) throw new Error(`joinedText wrote ${size - (end - at)} of ${size} bytes`)
    },
  }
}
