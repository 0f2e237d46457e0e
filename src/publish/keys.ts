/**
 * The community keys of G-040: ≥ 256 random bits from the hub operator, one for identifiers and
 * one for payments, each named by a key id. Read from a file or an environment variable, as hex
 * or base64 text (a file may also hold the raw bytes); never from the command line, where other
 * users of the machine could read it.
 */
import { readFile } from 'node:fs/promises'
import type { CommunityKey } from './observables.js'

export type KeyPurpose = 'identifier' | 'payment'

export interface KeySource {
  /** a file holding the key */
  file?: string
  /** the key itself, from an environment variable */
  value?: string
  /** the key id (G-040), e.g. hub-id-2025-07 */
  id?: string
}

/** A key that is missing its id, too short, or given twice: a usage error. */
export class KeyConfigError extends Error {
  override name = 'KeyConfigError'
}

const MIN_BYTES = 32
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

function decode(text: string, raw: Buffer | undefined): Buffer | undefined {
  const t = text.trim()
  if (/^(?:[0-9a-fA-F]{2})+$/.test(t)) return Buffer.from(t, 'hex')
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return Buffer.from(t, 'base64')
  return raw
}

/** The key of one purpose, or undefined when neither a key nor a key id was given. */
export async function loadCommunityKey(
  purpose: KeyPurpose,
  source: KeySource,
): Promise<CommunityKey | undefined> {
  const { file, value, id } = source
  if (file !== undefined && value !== undefined) {
    throw new KeyConfigError(`give the ${purpose} key once: as a file or in the environment`)
  }
  if (id !== undefined && !KEY_ID.test(id)) {
    throw new KeyConfigError(`the ${purpose} key id must be letters, digits and . _ : -`)
  }
  if (file === undefined && value === undefined) return id === undefined ? undefined : { id }
  if (id === undefined) throw new KeyConfigError(`the ${purpose} key needs its key id`)
  let secret: Buffer | undefined
  if (file !== undefined) {
    let raw: Buffer
    try {
      raw = await readFile(file)
    } catch (err) {
      throw new KeyConfigError(`cannot read the ${purpose} key file: ${(err as Error).message}`)
    }
    secret = decode(raw.toString('utf8'), raw)
  } else {
    secret = decode(value ?? '', undefined)
  }
  if (secret === undefined || secret.length < MIN_BYTES) {
    throw new KeyConfigError(
      `the ${purpose} key must hold at least ${MIN_BYTES * 8} bits (hex or base64 text)`,
    )
  }
  return { id, secret }
}
