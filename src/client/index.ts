/**
 * TAXII 2.1 client: discovery, API roots, collections, paged reads, publishing with status
 * polling, and the helpers a sync loop needs.
 */

export { TaxiiClient } from './taxii-client.js'
export {
  CollectionClient,
  type AddObjectsOptions,
  type GetObjectFilters,
  type ListFilters,
  type VersionMatch,
  type VersionsFilters,
} from './collection-client.js'
export type { ClientCertificate, Credentials, RetryEvent, TaxiiClientOptions } from './http.js'
export type { ObjectFilters } from './query.js'
export type {
  ApiRootInfo,
  CollectionInfo,
  Discovery,
  ManifestPage,
  ManifestRecord,
  ObjectsPage,
  PageInfo,
  StatusDetails,
  TaxiiStatus,
  VersionsPage,
} from './resources.js'
export {
  StatusExpiredError,
  StatusTimeoutError,
  TaxiiClientError,
  TaxiiHttpError,
  TaxiiNetworkError,
  TaxiiProtocolError,
  type TaxiiErrorResource,
} from './errors.js'
export { envelopeBody, packEnvelopes, type PackedEnvelopes, type PackOptions } from './envelopes.js'
export { timestampMinusMicrosecond } from './timestamps.js'
