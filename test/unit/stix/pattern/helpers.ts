import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const fixture = (name: string): string =>
  readFileSync(
    fileURLToPath(new URL(`../../../fixtures/patterns/${name}`, import.meta.url)),
    'utf8',
  )

const lines = (text: string): string[] =>
  text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

/** valid.txt: `pattern[\t# note]` */
export function validPatterns(): { pattern: string; note: string }[] {
  return lines(fixture('valid.txt')).map((l) => {
    const [pattern = '', note = ''] = l.split('\t')
    return { pattern, note: note.replace(/^# ?/, '') }
  })
}

/** invalid.txt: `pattern\tcolumn\trule[\t# reason]` */
export function invalidPatterns(): {
  pattern: string
  column: number
  rule: string
  reason: string
}[] {
  return lines(fixture('invalid.txt')).map((l) => {
    const [pattern = '', column = '', rule = '', reason = ''] = l.split('\t')
    if (!/^\d+$/.test(column) || !/^S-\d{3}$/.test(rule)) {
      throw new Error(`malformed line in invalid.txt: ${JSON.stringify(l)}`)
    }
    return { pattern, column: Number(column), rule, reason: reason.replace(/^# ?/, '') }
  })
}

const OFFSET_KEYS = new Set(['start', 'end', 'operatorOffset', 'operatorOffsets'])

/** A copy of an AST without source offsets, for comparing trees from different texts. */
export function stripOffsets<T>(node: T): T {
  if (Array.isArray(node)) return node.map(stripOffsets) as T
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (!OFFSET_KEYS.has(k)) out[k] = stripOffsets(v)
  }
  return out as T
}
