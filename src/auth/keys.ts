import { randomBytes, randomUUID, webcrypto } from 'node:crypto'
import type { TaxiiStore } from '../storage/store.js'

export interface HubKeys {
  /**
   * HS256 key for hub-issued tokens, imported once: given raw bytes, jose imports the key again on
   * every verification, a measurable share of a poll's CPU.
   */
  jwtSecret: webcrypto.CryptoKey
  /** the hub's identity: `iss` and `aud` of its tokens, independent of URL and port (T-052) */
  issuer: string
  /** HMAC key for `next` tokens (T-128) */
  cursorSecret: Uint8Array
}

function newKey(name: string, issuer: string) {
  return { name, secret: randomBytes(32).toString('base64url'), issuer }
}

/**
 * Loads the hub's keys, creating them on first use. They live in the database so every process
 * on one PostgreSQL verifies the same tokens and continues the same `next` cursors.
 */
export async function loadHubKeys(store: TaxiiStore): Promise<HubKeys> {
  const jwt = await store.hubKey('jwt', () => newKey('jwt', `urn:hydrawatch:hub:${randomUUID()}`))
  const cursor = await store.hubKey('cursor', () => newKey('cursor', jwt.issuer))
  return {
    jwtSecret: await webcrypto.subtle.importKey(
      'raw',
      Buffer.from(jwt.secret, 'base64url'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    ),
    issuer: jwt.issuer,
    cursorSecret: Buffer.from(cursor.secret, 'base64url'),
  }
}
