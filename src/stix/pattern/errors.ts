/**
 * Errors and positions for STIX patterns.
 *
 * Positions: `offset` is a UTF-16 code unit index into the pattern (a JS string index);
 * `line` is 1-based (a line ends at LF, CR or CRLF); `column` is 1-based and counts Unicode code
 * points from the start of the line, so a character outside the BMP (an emoji, say) counts once.
 */

export interface Position {
  offset: number
  line: number
  column: number
}

/** A syntax or semantic problem at a position, naming the spec rule (S-id) it violates. */
export interface PatternIssue extends Position {
  message: string
  rule: string
}

export function positionAt(text: string, offset: number): Position {
  const end = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let column = 1
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++
      column = 1
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
      column++
    } else if (c !== 0x0d) {
      column++
    }
  }
  return { offset: end, line, column }
}

export function issueAt(text: string, offset: number, rule: string, message: string): PatternIssue {
  return { message, rule, ...positionAt(text, offset) }
}

/** Thrown by `parsePattern` when the text is not a pattern of the grammar (spec §11.1–11.2). */
export class PatternSyntaxError extends Error implements PatternIssue {
  override name = 'PatternSyntaxError'
  readonly offset: number
  readonly line: number
  readonly column: number
  readonly rule: string

  constructor(text: string, offset: number, rule: string, message: string) {
    super(message)
    const p = positionAt(text, offset)
    this.offset = p.offset
    this.line = p.line
    this.column = p.column
    this.rule = rule
  }

  toIssue(): PatternIssue {
    const { message, offset, line, column, rule } = this
    return { message, offset, line, column, rule }
  }
}

/**
 * Formats an issue for a terminal: `S-173 line 1, column 14: message`, then the line of the
 * pattern and a caret under the column.
 */
export function formatIssue(text: string, issue: PatternIssue): string {
  const lines = text.split(/\r\n|\r|\n/)
  const src = lines[issue.line - 1] ?? ''
  const before = Array.from(src).slice(0, issue.column - 1)
  const pad = before.map((ch) => (ch === '\t' ? '\t' : ' ')).join('')
  return `${issue.rule} line ${issue.line}, column ${issue.column}: ${issue.message}\n${src}\n${pad}^`
}
