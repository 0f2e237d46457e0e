/**
 * Rules the hub accepts with a warning (log and metrics): SHOULD-level and discouraged content.
 * Only computed for the detailed validation, never on the ingest fast path.
 */
import { defaultScoId } from './deterministic-id.js'
import type { TypeEntry } from './registry.js'
import { isObject, joinPath, type Obj } from './violation.js'

/** hash-algorithm-ov (S-016, S-201) */
const HASH_ALGORITHMS = new Set([
  'MD5',
  'SHA-1',
  'SHA-256',
  'SHA-512',
  'SHA3-256',
  'SHA3-512',
  'SSDEEP',
  'TLSH',
])

/** indicator-type-ov (S-129) */
const INDICATOR_TYPES = new Set([
  'anomalous-activity',
  'anonymization',
  'benign',
  'compromised',
  'malicious-activity',
  'attribution',
  'unknown',
])

/** Every common property of §3.2, to tell "not applicable here" (S-055) from unknown (S-212). */
const COMMON_PROPERTIES = new Set([
  'type',
  'spec_version',
  'id',
  'created_by_ref',
  'created',
  'modified',
  'revoked',
  'labels',
  'confidence',
  'lang',
  'external_references',
  'object_marking_refs',
  'granular_markings',
  'defanged',
  'extensions',
])

const PREDEFINED_EXTENSIONS = new Set([
  'ntfs-ext',
  'raster-image-ext',
  'pdf-ext',
  'archive-ext',
  'windows-pebinary-ext',
  'http-request-ext',
  'tcp-ext',
  'icmp-ext',
  'socket-ext',
  'windows-process-ext',
  'windows-service-ext',
  'unix-account-ext',
])

const uuidVersion = (id: string): string => id.charAt(id.length - 22)

function extensionTypes(o: Obj): Set<string> {
  const out = new Set<string>()
  if (isObject(o.extensions)) {
    for (const ext of Object.values(o.extensions)) {
      if (isObject(ext) && typeof ext.extension_type === 'string') out.add(ext.extension_type)
    }
  }
  return out
}

function hashWarnings(hashes: unknown, path: string, out: string[]): void {
  if (!isObject(hashes)) return
  for (const k of Object.keys(hashes)) {
    if (!HASH_ALGORITHMS.has(k)) {
      out.push(`S-016 ${joinPath(path, k)}: not a hash-algorithm-ov name`)
    }
  }
}

function customExtensionWarnings(o: Obj, out: string[]): void {
  if (!isObject(o.extensions)) return
  for (const key of Object.keys(o.extensions)) {
    if (key.startsWith('extension-definition--') || PREDEFINED_EXTENSIONS.has(key)) continue
    out.push(
      `S-160 ${joinPath('extensions', key)}: deprecated custom extension; use an extension-definition`,
    )
  }
}

/** Warnings for an accepted object of a STIX-defined type. */
export function typeWarnings(o: Obj, entry: TypeEntry): string[] {
  const out: string[] = []
  const id = o.id as string
  const toplevel = extensionTypes(o).has('toplevel-property-extension')
  for (const k of Object.keys(o)) {
    if (entry.properties.has(k) || k.startsWith('x_')) continue
    if (COMMON_PROPERTIES.has(k)) {
      out.push(`S-055 ${k}: not applicable to ${entry.type} objects`)
    } else if (!toplevel) {
      out.push(
        `S-212 ${k}: not defined for ${entry.type}; custom properties should start with x_ or be declared by a toplevel-property-extension`,
      )
    }
  }
  hashWarnings(o.hashes, 'hashes', out)
  if (Array.isArray(o.external_references)) {
    for (const [i, ref] of o.external_references.entries()) {
      if (isObject(ref)) hashWarnings(ref.hashes, `external_references[${i}].hashes`, out)
    }
  }
  if (entry.category === 'sco') {
    customExtensionWarnings(o, out)
    const contributing = entry.idContributing ?? []
    if (uuidVersion(id) === '5' && contributing.length > 0) {
      const expected = defaultScoId(entry.type, o, contributing)
      if (expected !== undefined && expected !== id) {
        out.push(`S-035 id: not the default deterministic id ${expected}`)
      }
    }
  } else if (uuidVersion(id) !== '4') {
    out.push(`S-032 id: ${entry.category.toUpperCase()} ids should use UUIDv4`)
  }
  if (entry.type === 'observed-data' && o.objects !== undefined) {
    out.push('S-008 objects: deprecated; use object_refs')
  }
  if (entry.type === 'indicator') {
    const version = o.pattern_version
    if (
      o.pattern_type === 'stix' &&
      version !== undefined &&
      version !== '2.1' &&
      version !== '2.0'
    ) {
      out.push(
        `S-126 pattern_version: ${JSON.stringify(version)} is not a STIX patterning version (2.0, 2.1)`,
      )
    }
    if (o.name === undefined) out.push('S-129 name: an indicator should have a name')
    if (o.description === undefined)
      out.push('S-129 description: an indicator should have a description')
    if (Array.isArray(o.indicator_types)) {
      for (const [i, t] of o.indicator_types.entries()) {
        if (typeof t === 'string' && !INDICATOR_TYPES.has(t)) {
          out.push(`S-129 indicator_types[${i}]: "${t}" is not in indicator-type-ov`)
        }
      }
    }
  }
  return out
}

/** Warnings for an accepted custom object (S-160, S-162). */
export function customWarnings(o: Obj, sdoLike: boolean): string[] {
  const out: string[] = []
  const type = o.type as string
  const declared = extensionTypes(o)
  const byExtension = ['new-sdo', 'new-sco', 'new-sro'].some((t) => declared.has(t))
  if (!byExtension) {
    out.push(
      type.startsWith('x-')
        ? `S-160 type: custom object type ${type} is deprecated; define it with an extension-definition`
        : `S-162 type: custom object type ${type} should start with x- or be defined by an extension-definition`,
    )
  }
  if (!sdoLike) customExtensionWarnings(o, out)
  return out
}
