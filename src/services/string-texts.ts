import type { PageTexts } from '../storage/store.js'

/**
 * JS strings as the texts of a page, encoded as UTF-8 where the response is built.
 *
 * Pages of manifests and versions go out this way. Joining the texts into one JS string first and
 * encoding that cost four times as much: a 770 kB string is a fresh large-object allocation each
 * time, and its UTF-8 copy another.
 */
export function stringTexts(items: readonly string[]): PageTexts {
  const sizes = Int32Array.from(items, (item) => Buffer.byteLength(item))
  return {
    count: items.length,
    size: (i) => sizes[i]!,
    copy(i, target, at) {
      const written = target.write(items[i]!, at)
      if (written !== sizes[i]) throw new Error(`text ${i} took ${written} of ${sizes[i]} bytes`)
    },
    release: () => undefined,
  }
}
