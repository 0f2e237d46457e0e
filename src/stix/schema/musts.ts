/**
 * The rules a JSON Schema cannot state: comparisons between timestamps, identifiers that depend on
 * other properties, encoding companions, marking selectors, the predefined TLP objects, extension
 * types, and the indicator pattern hook. Each check belongs to one S-210 phase and assumes nothing about the
 * types of the values it reads (it runs only when no earlier phase failed, but stays defensive).
 */
import { defaultScoId } from './deterministic-id.js'
import { compareTimestamps } from './formats.js'
import type { Category, ExtensionTypeEntry, TypeEntry } from './registry.js'
import { TLP2_EXTENSION_ID, tlp1Definition, tlp2Definition } from './tlp.js'
import {
  isObject,
  joinPath,
  Phase,
  type Obj,
  type PhaseNumber,
  type Violation,
} from './violation.js'

export interface Check {
  phase: PhaseNumber
  run: (o: Obj) => Violation | undefined
}

export type PatternCheck = (pattern: string) => string | undefined

const violation = (phase: PhaseNumber, sid: string, path: string, reason: string): Violation => ({
  phase,
  sid,
  path,
  reason,
})

const uuidVersion = (id: string): string => id.charAt(id.length - 22)

/**
 * `later` must not be earlier than `earlier` (or must be strictly later when `strict`). Runs only
 * when the schema found no type error, so both values, when strings, are valid timestamps.
 */
function ordered(sid: string, earlier: string, later: string, strict = false): Check {
  const reason = strict ? `must be later than ${earlier}` : `must not be earlier than ${earlier}`
  return {
    phase: Phase.cross,
    run: (o) => {
      const a = o[earlier]
      const b = o[later]
      if (typeof a !== 'string' || typeof b !== 'string') return undefined
      const order = compareTimestamps(b, a)
      return order < 0 || (strict && order === 0)
        ? violation(Phase.cross, sid, later, reason)
        : undefined
    },
  }
}

const modifiedNotBeforeCreated = ordered('S-045', 'created', 'modified')

/**
 * S-005: a property ending `_enc` names the encoding of the property it is named after, and never
 * appears without it. Types that define one (`file.name_enc`) also say so in their schema, whose
 * violation wins the tie; this holds the rule for every other property, custom ones included.
 */
const encodingCompanions: Check = {
  phase: Phase.cross,
  run: (o) => {
    for (const key of Object.keys(o)) {
      if (!key.endsWith('_enc')) continue
      const base = key.slice(0, -'_enc'.length)
      if (!Object.hasOwn(o, base)) {
        return violation(Phase.cross, 'S-005', key, `must not appear without ${base}`)
      }
    }
    return undefined
  },
}

/** SCO ids: UUIDv4 without contributing properties (S-118, S-112); no default id when versioned (S-036). */
function scoIdentity(entry: TypeEntry): Check {
  const contributing = entry.idContributing ?? []
  return {
    phase: Phase.cross,
    run: (o) => {
      const id = o.id as string
      const version = uuidVersion(id)
      if (version !== '4' && contributing.every((p) => o[p] === undefined)) {
        return entry.type === 'process'
          ? violation(Phase.cross, 'S-112', 'id', 'a process id must be a UUIDv4')
          : violation(
              Phase.cross,
              'S-118',
              'id',
              'must be a UUIDv4 when none of the ID-contributing properties is present',
            )
      }
      if (o.modified !== undefined && version === '5') {
        if (defaultScoId(entry.type, o, contributing) === id) {
          return violation(
            Phase.cross,
            'S-036',
            'id',
            'a versioned SCO (with modified) must not use the default-namespace id',
          )
        }
      }
      return undefined
    },
  }
}

/**
 * The hub's extension SCOs must use the deterministic id of their ID-contributing properties
 * (G-005), so identical observables from different partners collapse to one object.
 */
function deterministicId(entry: ExtensionTypeEntry): Check {
  const contributing = entry.idContributing ?? []
  return {
    phase: Phase.cross,
    run: (o) => {
      const expected = defaultScoId(entry.type, o, contributing)
      return expected === undefined || expected === o.id
        ? undefined
        : violation(
            Phase.cross,
            entry.sid,
            'id',
            `must be the deterministic id ${expected} (UUIDv5 of ${contributing.join(', ')}; G-005)`,
          )
    },
  }
}

/** A custom object needs at least one property besides the common ones (S-151, S-162). */
function ownProperty(common: ReadonlySet<string>): Check {
  return {
    phase: Phase.required,
    run: (o) =>
      Object.keys(o).some((k) => !common.has(k))
        ? undefined
        : violation(Phase.required, 'S-162', '', 'a custom object needs a property of its own'),
  }
}

/** A marking definition does not mark itself (S-051, S-052). */
const noSelfMarking: Check = {
  phase: Phase.markings,
  run: (o) => {
    const refs = o.object_marking_refs
    if (Array.isArray(refs)) {
      const i = refs.indexOf(o.id)
      if (i >= 0) {
        return violation(
          Phase.markings,
          'S-051',
          `object_marking_refs[${i}]`,
          'a marking definition must not mark itself',
        )
      }
    }
    const granular = o.granular_markings
    if (Array.isArray(granular)) {
      const i = granular.findIndex((g) => isObject(g) && g.marking_ref === o.id)
      if (i >= 0) {
        return violation(
          Phase.markings,
          'S-052',
          `granular_markings[${i}].marking_ref`,
          'a marking definition must not mark itself',
        )
      }
    }
    return undefined
  },
}

/** Why a selector does not resolve on the object (S-140, S-141), or undefined when it does. */
function unresolved(o: Obj, selector: string): string | undefined {
  let current: unknown = o
  let walked = ''
  for (const part of selector.split('.')) {
    const index = /^\[([0-9]+)\]$/.exec(part)
    if (index !== null) {
      if (!Array.isArray(current)) return `"${walked}" is not a list`
      const i = Number(index[1])
      if (i >= current.length) return `"${walked}" has no item ${i}`
      current = current[i]
    } else {
      if (!isObject(current)) {
        return walked === '' ? `"${part}" is not a property` : `"${walked}" has no keys`
      }
      if (!Object.hasOwn(current, part)) {
        return walked === '' ? `"${part}" is not present` : `"${walked}" has no "${part}"`
      }
      current = current[part]
    }
    walked = walked === '' ? part : `${walked}.${part}`
  }
  return undefined
}

const selectorsResolve: Check = {
  phase: Phase.markings,
  run: (o) => {
    const granular = o.granular_markings
    if (!Array.isArray(granular)) return undefined
    for (const [i, g] of granular.entries()) {
      if (!isObject(g) || !Array.isArray(g.selectors)) continue
      for (const [j, s] of g.selectors.entries()) {
        if (typeof s !== 'string') continue
        const why = unresolved(o, s)
        if (why !== undefined) {
          return violation(
            Phase.markings,
            'S-141',
            `granular_markings[${i}].selectors[${j}]`,
            `selector "${s}" does not resolve on this object: ${why}`,
          )
        }
      }
    }
    return undefined
  },
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    )
  }
  return false
}

/**
 * The first property (nested objects followed) where `o` differs from the predefined object
 * `expected`; top-level properties listed in `optional` may be left out (TLP 1.0 objects of the
 * STIX 2.1 drafts, still in the OASIS examples, have no `name`).
 */
function difference(
  sid: string,
  o: Obj,
  expected: Obj,
  optional: readonly string[] = [],
): Violation | undefined {
  const name = String(expected.name)
  const walk = (
    actual: Obj,
    wanted: Obj,
    path: string,
    skip: readonly string[],
  ): Violation | undefined => {
    for (const k of new Set([...Object.keys(wanted), ...Object.keys(actual)])) {
      const a = actual[k]
      const w = wanted[k]
      if (deepEqual(a, w) || (a === undefined && skip.includes(k))) continue
      if (isObject(a) && isObject(w)) return walk(a, w, joinPath(path, k), [])
      const reason =
        w === undefined
          ? `is not part of the predefined ${name} marking definition`
          : `must be ${JSON.stringify(w)} as in the predefined ${name} marking definition`
      return violation(Phase.markings, sid, joinPath(path, k), reason)
    }
    return undefined
  }
  return walk(o, expected, '', optional)
}

/** TLP marking definitions are exactly the predefined ones (S-134, S-136). */
const predefinedTlp: Check = {
  phase: Phase.markings,
  run: (o) => {
    const id = o.id as string
    const tlp1 = tlp1Definition(id)
    if (tlp1 !== undefined) return difference('S-134', o, tlp1, ['name'])
    if (o.definition_type === 'tlp') {
      return violation(
        Phase.markings,
        'S-134',
        'definition_type',
        'only the four predefined TLP 1.0 marking definitions may use definition_type tlp',
      )
    }
    const tlp2 = tlp2Definition(id)
    if (tlp2 !== undefined) return difference('S-136', o, tlp2)
    if (isObject(o.extensions) && o.extensions[TLP2_EXTENSION_ID] !== undefined) {
      return violation(
        Phase.markings,
        'S-136',
        `extensions.${TLP2_EXTENSION_ID}`,
        'only the five predefined TLP 2.0 marking definitions may use the TLP 2.0 extension',
      )
    }
    return undefined
  },
}

const NEW_TYPE = new Set(['new-sdo', 'new-sco', 'new-sro'])

/**
 * S-150: an object whose type an extension-definition makes an SDO or SRO carries their common
 * properties. The schema holds an object with `created` or `modified` to all of them; one with
 * neither would pass as an SCO-like custom object.
 */
const newSdoOrSroVersioned: Check = {
  phase: Phase.required,
  run: (o) => {
    if (!isObject(o.extensions)) return undefined
    const declared = Object.values(o.extensions).find(
      (ext) =>
        isObject(ext) && (ext.extension_type === 'new-sdo' || ext.extension_type === 'new-sro'),
    )
    if (!isObject(declared)) return undefined
    const missing = (['created', 'modified'] as const).find((key) => o[key] === undefined)
    return missing === undefined
      ? undefined
      : violation(
          Phase.required,
          'S-150',
          missing,
          `required of an object whose type an extension-definition makes a ${String(declared.extension_type)}`,
        )
  },
}

/** Extensions cannot redefine a STIX-defined object type (S-148). */
const noNewTypeOnStixType: Check = {
  phase: Phase.extensions,
  run: (o) => {
    if (!isObject(o.extensions)) return undefined
    for (const [key, ext] of Object.entries(o.extensions)) {
      if (
        isObject(ext) &&
        typeof ext.extension_type === 'string' &&
        NEW_TYPE.has(ext.extension_type)
      ) {
        return violation(
          Phase.extensions,
          'S-148',
          joinPath('extensions', key),
          `a ${ext.extension_type} extension cannot apply to the STIX-defined type ${String(o.type)}`,
        )
      }
    }
    return undefined
  },
}

/** A predefined extension name is only valid on the type that defines it (S-156, S-157). */
function predefinedExtensionsOfType(entry: TypeEntry, allPredefined: ReadonlySet<string>): Check {
  return {
    phase: Phase.extensions,
    run: (o) => {
      if (!isObject(o.extensions)) return undefined
      for (const key of Object.keys(o.extensions)) {
        if (allPredefined.has(key) && !entry.predefinedExtensions.has(key)) {
          return violation(
            Phase.extensions,
            'S-157',
            joinPath('extensions', key),
            `is a predefined extension of another object type, not of ${entry.type}`,
          )
        }
      }
      return undefined
    },
  }
}

/** STIX patterns go to the pattern checker (S-128); its message keeps an S-id it starts with. */
function patternHook(check: PatternCheck): Check {
  return {
    phase: Phase.pattern,
    run: (o) => {
      if (o.pattern_type !== 'stix' || typeof o.pattern !== 'string') return undefined
      const message = check(o.pattern)
      if (message === undefined) return undefined
      const cited = /^(S-[0-9]{3})\s+(?:pattern:\s*)?([\s\S]*)$/.exec(message)
      return cited === null
        ? violation(Phase.pattern, 'S-128', 'pattern', message)
        : violation(Phase.pattern, cited[1] as string, 'pattern', cited[2] as string)
    },
  }
}

const SEEN_ORDER: Readonly<Record<string, string>> = {
  campaign: 'S-071',
  infrastructure: 'S-077',
  'intrusion-set': 'S-078',
  malware: 'S-080',
  'threat-actor': 'S-086',
  sighting: 'S-091',
}

/** The code checks for a STIX-defined type, in S-210 phase order. */
export function checksForType(
  entry: TypeEntry,
  allPredefined: ReadonlySet<string>,
  patternCheck: PatternCheck | undefined,
): Check[] {
  const checks: Check[] = []
  const { type, category } = entry
  checks.push(encodingCompanions)
  if (category !== 'sco') checks.push(modifiedNotBeforeCreated)
  const seenSid = SEEN_ORDER[type]
  if (seenSid !== undefined) checks.push(ordered(seenSid, 'first_seen', 'last_seen'))
  if (type === 'indicator') checks.push(ordered('S-127', 'valid_from', 'valid_until', true))
  if (type === 'relationship') checks.push(ordered('S-090', 'start_time', 'stop_time', true))
  if (type === 'observed-data') checks.push(ordered('S-083', 'first_observed', 'last_observed'))
  if (type === 'network-traffic') checks.push(ordered('S-111', 'start', 'end'))
  if (category === 'sco')
    checks.push(scoIdentity(entry), predefinedExtensionsOfType(entry, allPredefined))
  if (type === 'marking-definition') checks.push(noSelfMarking, predefinedTlp)
  checks.push(selectorsResolve, noNewTypeOnStixType)
  if (type === 'indicator' && patternCheck !== undefined) checks.push(patternHook(patternCheck))
  return sortByPhase(checks)
}

/** The code checks for an SCO type of the hub's own new-sco extension-definitions. */
export function checksForExtensionType(
  entry: ExtensionTypeEntry,
  allPredefined: ReadonlySet<string>,
): Check[] {
  return sortByPhase([
    encodingCompanions,
    deterministicId(entry),
    predefinedExtensionsOfType(entry, allPredefined),
    selectorsResolve,
  ])
}

/** The code checks for a custom (unknown) type treated as SDO-like or SCO-like (S-041, S-162). */
export function checksForCustom(
  category: Extract<Category, 'sdo' | 'sco'>,
  common: ReadonlySet<string>,
): Check[] {
  const checks: Check[] = [
    ownProperty(common),
    newSdoOrSroVersioned,
    selectorsResolve,
    encodingCompanions,
  ]
  if (category === 'sdo') checks.push(modifiedNotBeforeCreated)
  return sortByPhase(checks)
}

const sortByPhase = (checks: Check[]): Check[] => checks.sort((a, b) => a.phase - b.phase)
