import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import { pemThumbprint } from '../auth/client-certificates.js'
import type { Config, ConfigOverrides } from '../config.js'
import { CONTENT_LENGTH_RANGE, loadConfig } from '../config.js'
import { parseDuration } from '../duration.js'

/** Pieces every command module shares: option parsers, configuration, output. */

interface GlobalOptions {
  dataDir?: string
  databaseUrl?: string
}

export const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
]

export const port = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('a port is a number from 0 to 65535')
  }
  return Number(value)
}

export const positive = (value: string): number => {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a positive whole number')
  return Number(value)
}

/** A body size limit, as HYDRAWATCH_MAX_CONTENT_LENGTH takes it: room for a small envelope. */
export const contentLength = (value: string): number => {
  const n = positive(value)
  const { min, max } = CONTENT_LENGTH_RANGE
  if (n < min || n > max) {
    throw new InvalidArgumentError(`expected a whole number of bytes from ${min} to ${max}`)
  }
  return n
}

/** The RFC 8705 thumbprint of the PEM certificate in file `value`. */
export const certificateFile = (value: string): string => {
  let pem: Buffer
  try {
    pem = readFileSync(value)
  } catch (err) {
    throw new InvalidArgumentError(
      `cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    )
  }
  try {
    return pemThumbprint(pem)
  } catch {
    throw new InvalidArgumentError(`${value} holds no PEM certificate`)
  }
}

export const duration = (value: string): number => {
  try {
    return parseDuration(value)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

export function configFrom(cmd: Command, extra: ConfigOverrides = {}): Config {
  const g = cmd.optsWithGlobals<GlobalOptions>()
  return loadConfig(process.env, {
    ...(g.dataDir !== undefined && { dataDir: g.dataDir }),
    ...(g.databaseUrl !== undefined && { databaseUrl: g.databaseUrl }),
    ...extra,
  })
}

export const info = (message: string) => process.stderr.write(`${message}\n`)
export const out = (text: string) => process.stdout.write(`${text}\n`)

const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)

export function table<T extends object>(rows: T[], columns: (keyof T & string)[]): string {
  const cells = [columns, ...rows.map((r) => columns.map((c) => cellText(r[c])))]
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)))
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
