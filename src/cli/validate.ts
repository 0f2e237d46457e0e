import { readFile } from 'node:fs/promises'
import { readEnvelope, type EnvelopeItem } from '../stix/envelope.js'
import { spelledIntegerProblem } from '../stix/spelled-integers.js'

export interface ValidateReport {
  checked: number
  invalid: number
}

/** One object of a file, with where it is, read as the hub reads an envelope's elements. */
interface FileObject {
  where: string
  /** undefined for a line that is not JSON */
  item: EnvelopeItem | undefined
}

/** An envelope's items, undefined if it is none; `elementPath` as readEnvelope takes it. */
function asItems(
  text: string,
  elementPath?: (index: number) => string,
): EnvelopeItem[] | undefined {
  try {
    return readEnvelope(text, {
      maxObjects: Number.MAX_SAFE_INTEGER,
      ...(elementPath !== undefined && { elementPath }),
    })
  } catch {
    return undefined
  }
}

/** One object's text as the item of an envelope, its problems' paths taken from itself. */
const aloneItem = (text: string): EnvelopeItem | undefined =>
  asItems(`{"objects":[${text}]}`, () => '')?.[0]

/** An item for a value that is no envelope element (not an object, say): the checks decide. */
const itemOf = (value: unknown, index: number): EnvelopeItem => ({ index, source: '', value })

/**
 * The objects of a bundle, an envelope, a single object, or JSON Lines. Each is read as an
 * envelope's element is on ingest (readEnvelope), so what the reader refuses (duplicate member
 * names, numbers beyond a double, integers written with a fraction) is reported here too.
 */
function objectsOf(text: string): FileObject[] {
  let whole: unknown
  try {
    whole = JSON.parse(text)
  } catch {
    return text
      .split('\n')
      .map((line, i) => ({ line: line.trim(), n: i + 1 }))
      .filter(({ line }) => line !== '')
      .map(({ line, n }) => {
        let value: unknown
        try {
          value = JSON.parse(line)
        } catch {
          return { where: `line ${n}`, item: undefined }
        }
        return {
          where: `line ${n}`,
          item: aloneItem(line) ?? itemOf(value, 0),
        }
      })
  }
  const objects = (whole as { objects?: unknown } | null)?.objects
  if (Array.isArray(objects)) {
    const items = asItems(text) ?? (objects as unknown[]).map(itemOf)
    return items.map((item, i) => ({ where: `objects[${i}]`, item }))
  }
  return [{ where: '(file)', item: aloneItem(text) ?? itemOf(whole, 0) }]
}

/**
 * `hydrawatch validate FILE...`: the checks the hub applies on ingest, offline. Prints one line
 * per invalid object on stdout: `FILE: <where> <id>: <rule> <path>: <reason>`.
 */
export async function validateFiles(files: string[]): Promise<ValidateReport> {
  const { createObjectValidator } = await import('../stix/validate.js')
  const validate = createObjectValidator()
  const report: ValidateReport = { checked: 0, invalid: 0 }
  for (const file of files) {
    for (const { where, item } of objectsOf(await readFile(file, 'utf8'))) {
      report.checked++
      const problem =
        item === undefined
          ? 'S-001 (line): not valid JSON'
          : (item.problem ?? validate(item.value) ?? spelledIntegerProblem(validate, item))
      if (problem === undefined) continue
      report.invalid++
      const id = (item?.value as { id?: unknown } | null | undefined)?.id
      process.stdout.write(
        `${file}: ${where}${typeof id === 'string' ? ` ${id}` : ''}: ${problem}\n`,
      )
    }
  }
  return report
}

/** `hydrawatch validate --pattern P`: true when valid; the error with its column otherwise. */
export async function validatePattern(pattern: string): Promise<boolean> {
  const { checkPattern, formatIssue } = await import('../stix/pattern/index.js')
  const result = checkPattern(pattern)
  if (result.ok) {
    process.stdout.write('valid\n')
    return true
  }
  process.stdout.write(`${formatIssue(pattern, result.error)}\n`)
  return false
}
