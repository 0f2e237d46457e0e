/**
 * The `hydrawatch` package as a library: the TAXII 2.1 client and the STIX helpers that need no
 * server. Nothing here loads fastify, kysely or a database driver, so partners can import it into
 * their own tools (the hub itself is `dist/cli.js`).
 *
 * @example
 * import { TaxiiClient, checkPattern } from 'hydrawatch'
 */

export * from './client/index.js'
export { STIX_20_MEDIA_TYPE, STIX_21_MEDIA_TYPE, TAXII_MEDIA_TYPE } from './media-types.js'
export {
  checkPattern,
  formatIssue,
  parsePattern,
  printPattern,
  PatternSyntaxError,
  type CheckOptions,
  type CheckResult,
  type Pattern,
  type PatternIssue,
} from './stix/pattern/index.js'
export { isStixTimestamp } from './stix/timestamps.js'
