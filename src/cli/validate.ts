import { readFile } from 'node:fs/promises'

export interface ValidateReport {
  checked: number
  invalid: number
}

/** The objects of a bundle, an envelope, a single object, or JSON Lines, with where each is. */
function objectsOf(text: string): { where: string; value: unknown }[] {
  let whole: unknown
  try {
    whole = JSON.parse(text)
  } catch {
    return text
      .split('\n')
      .map((line, i) => ({ line: line.trim(), n: i + 1 }))
      .filter(({ line }) => line !== '')
      .map(({ line, n }) => {
        try {
          return { where: `line ${n}`, value: JSON.parse(line) as unknown }
        } catch {
          return { where: `line ${n}`, value: Symbol.for('not JSON') }
        }
      })
  }
  const objects = (whole as { objects?: unknown } | null)?.objects
  if (Array.isArray(objects))
    return (objects as unknown[]).map((value, i) => ({ where: `objects[${i}]`, value }))
  return [{ where: '(file)', value: whole }]
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
    for (const { where, value } of objectsOf(await readFile(file, 'utf8'))) {
      report.checked++
      const problem = typeof value === 'symbol' ? 'S-001 (line): not valid JSON' : validate(value)
      if (problem === undefined) continue
      report.invalid++
      const id = (value as { id?: unknown } | null)?.id
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
