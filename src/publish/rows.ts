/**
 * Reads the rows detection pipelines emit: CSV with a header line, or JSON Lines with one object
 * per line. Each row keeps the line it starts on, so a row that cannot be used is reported by its
 * line and the others go on.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { CsvError } from 'csv-parse'
import { parse as parseCsv } from 'csv-parse/sync'

export type RowFormat = 'csv' | 'jsonl'

/** One input row: its fields (CSV cells are strings; empty cells are left out) and its line. */
export interface Row {
  line: number
  fields: Record<string, unknown>
}

/** A line that is not a row at all (broken CSV quoting, not a JSON object). */
export interface UnreadableRow {
  line: number
  reason: string
}

export type RowItem = Row | UnreadableRow

export const isRow = (item: RowItem): item is Row => 'fields' in item

/** The format a file name implies: `.jsonl`/`.ndjson` are JSON Lines, anything else CSV. */
export const formatOf = (file: string): RowFormat =>
  /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv'

/** A quoted field spanning more lines than this is taken for an unclosed quote. */
const MAX_RECORD_LINES = 100

const CSV_REASONS: Readonly<Record<string, string>> = {
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is not followed by a comma or the end of the line',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
    'a quoted field is not followed by a comma or the end of the line',
}

const quotesIn = (text: string): number => text.split('"').length - 1

/**
 * The file's CSV records as text with the line each starts on. A record ends on the line where its
 * quotes balance (CSV doubles a quote inside a quoted field), so a quoted field may span lines; a
 * quote left open is reported on its line, and reading resumes on the line after it rather than
 * swallowing the rest of the file.
 */
async function* csvRecords(
  file: string,
): AsyncGenerator<{ line: number; text: string } | UnreadableRow> {
  const input = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let pending: { line: number; text: string }[] = []
  let quotes = 0
  function* take(
    line: number,
    text: string,
  ): Generator<{ line: number; text: string } | UnreadableRow> {
    pending.push({ line, text })
    quotes += quotesIn(text)
    if (quotes % 2 === 0) {
      yield { line: pending[0]!.line, text: pending.map((p) => p.text).join('\n') }
      pending = []
    } else if (pending.length > MAX_RECORD_LINES) {
      yield* unclosed()
    }
  }
  function* unclosed(): Generator<{ line: number; text: string } | UnreadableRow> {
    const [first, ...rest] = pending
    pending = []
    quotes = 0
    if (first !== undefined) yield { line: first.line, reason: 'a quoted field is never closed' }
    for (const p of rest) yield* take(p.line, p.text)
  }
  let n = 0
  for await (const text of input) {
    n++
    yield* take(n, n === 1 ? text.replace(/^\uFEFF/, '') : text)
  }
  while (pending.length > 0) yield* unclosed()
}

function parseRecord(text: string): string[] | string {
  try {
    const records: string[][] = parseCsv(text, { trim: true, relax_column_count: true })
    return records[0] ?? []
  } catch (err) {
    const code = (err as CsvError).code
    return CSV_REASONS[code] ?? 'the row is not valid CSV'
  }
}

async function* csvRows(file: string): AsyncGenerator<RowItem> {
  let header: string[] | undefined
  for await (const record of csvRecords(file)) {
    if (!('text' in record)) {
      yield record
      continue
    }
    if (record.text.trim() === '') continue
    const cells = parseRecord(record.text)
    if (typeof cells === 'string') {
      yield { line: record.line, reason: cells }
      continue
    }
    if (header === undefined) {
      header = cells.map((h) => h.toLowerCase())
      continue
    }
    if (cells.length !== header.length) {
      yield {
        line: record.line,
        reason: `the row has ${cells.length} fields, the header ${header.length}`,
      }
      continue
    }
    const fields: Record<string, unknown> = {}
    cells.forEach((v, i) => {
      if (v !== '') fields[header![i]!] = v
    })
    yield { line: record.line, fields }
  }
}

async function* jsonLines(file: string): AsyncGenerator<RowItem> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let line = 0
  for await (const text of lines) {
    line++
    const trimmed = text.replace(/^\uFEFF/, '').trim()
    if (trimmed === '') continue
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch {
      yield { line, reason: 'not valid JSON' }
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, reason: 'not a JSON object' }
      continue
    }
    const fields: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && v !== '') fields[k.toLowerCase()] = v
    }
    yield { line, fields }
  }
}

/** The rows of `file`, in file order. */
export function readRows(
  file: string,
  format: RowFormat = formatOf(file),
): AsyncGenerator<RowItem> {
  return format === 'jsonl' ? jsonLines(file) : csvRows(file)
}
