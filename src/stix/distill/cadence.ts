/**
 * The `cadence-v1` request-cadence fingerprint (G-052): the quantised features of a cluster's
 * traffic, and its value, the lowercase hex SHA-256 of their RFC 8785 (JCS) serialisation.
 */
import { createHash } from 'node:crypto'
import { canonicalJson } from '../schema/deterministic-id.js'
import { NormalizationError } from './keyed-hash.js'

const INTEGER_FEATURES = {
  iat_p50_ms_log2: [0, 64],
  iat_cv_pct_bucket: [0, 1000],
  prompt_tokens_p50_log2: [0, 64],
  output_tokens_p50_log2: [0, 64],
  concurrency_p95_log2: [0, 64],
  active_hours: [0, 24],
} as const satisfies Record<string, readonly [number, number]>

export type CadenceFeatures = Record<keyof typeof INTEGER_FEATURES, number> & {
  sampling_fixed: boolean
}

/** The features of G-052, every one present and of its type; anything else is refused. */
export function cadenceFeatures(value: unknown): CadenceFeatures {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NormalizationError('cadence-v1 features must be a JSON object')
  }
  const features = value as Record<string, unknown>
  const known = [...Object.keys(INTEGER_FEATURES), 'sampling_fixed']
  const unknown = Object.keys(features).filter((k) => !known.includes(k))
  if (unknown.length > 0) {
    throw new NormalizationError(`cadence-v1 has no feature ${unknown.join(', ')}`)
  }
  for (const [name, [min, max]] of Object.entries(INTEGER_FEATURES)) {
    const v = features[name]
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
      throw new NormalizationError(`cadence-v1 feature ${name} must be an integer ${min}–${max}`)
    }
  }
  if (typeof features.sampling_fixed !== 'boolean') {
    throw new NormalizationError('cadence-v1 feature sampling_fixed must be true or false')
  }
  return features as CadenceFeatures
}

/**
 * @example
 * cadenceValue({ active_hours: 24, concurrency_p95_log2: 5, iat_cv_pct_bucket: 5, iat_p50_ms_log2: 10,
 *   output_tokens_p50_log2: 11, prompt_tokens_p50_log2: 9, sampling_fixed: true })
 * // 'd3d75705412e346f87b712bb41317072fc1c7914ed2a57b1ef8e971b311de888'
 */
export function cadenceValue(features: CadenceFeatures): string {
  return createHash('sha256').update(canonicalJson(features), 'utf8').digest('hex')
}
