/**
 * Semantic checks on a parsed pattern (spec §11.3, S-174, S-177, S-180–S-188, S-130):
 *
 * - S-174 object type names: `[a-z0-9-]`, 3–250 characters;
 * - S-186 object paths: the type is a STIX-defined SCO type or a custom `x-…` type (or one the
 *   caller declares, e.g. from an extension-definition); on STIX types every step is checked
 *   against the SCO catalogue (scos.ts): properties (custom ones start with `x_`), nested
 *   objects, list indexes, dictionaries, `hashes`, references (followed to their target types)
 *   and predefined or custom extensions;
 * - S-177 no negative list index; S-183 `IN` sets non-empty and of one literal kind;
 * - S-182 every AND inside brackets satisfiable by one object (same root type);
 * - S-184 ISSUBSET/ISSUPERSET on the `value` of ipv4-addr/ipv6-addr, with a valid address/CIDR;
 * - S-185 MATCHES operands are PCRE regular expressions;
 * - S-187 known hash algorithms compared with hex strings of the right length;
 * - S-188 timestamps exist in the calendar, floats are finite;
 * - S-180 no two qualifiers of one kind on one expression; S-181 REPEATS ≥ 1, WITHIN > 0,
 *   START before STOP (a warning, like S-130 against the indicator's validity window).
 */

import type {
  ComparisonNode,
  Literal,
  ObjectPath,
  ObservationNode,
  Pattern,
  PathStep,
  PrimitiveLiteral,
  Qualifier,
  StringLiteral,
} from './ast.js'
import { issueAt, type PatternIssue } from './errors.js'
import { isIpv4Cidr, isIpv6Cidr } from './net.js'
import { checkPcre } from './pcre.js'
import {
  extensionProperties,
  isScoType,
  predefinedExtensionOwner,
  scoProperties,
  type PropKind,
  type PropMap,
} from './scos.js'
import { isStixTimestamp, versionKey } from '../timestamps.js'

export interface SemanticOptions {
  /**
   * Non-STIX SCO types to accept besides `x-…` custom types, e.g. the types of new-sco
   * extension-definitions. Their paths are not checked beyond the type.
   */
  customTypes?: ReadonlySet<string> | readonly string[]
  /** Indicator `valid_from`: a START before it is reported as a warning (S-130). */
  validFrom?: string
  /** Indicator `valid_until`: a STOP after it is reported as a warning (S-130). */
  validUntil?: string
}

export interface SemanticResult {
  /** sorted by offset */
  errors: PatternIssue[]
  warnings: PatternIssue[]
}

const TYPE_NAME = /^[a-z0-9-]{3,250}$/
const CUSTOM_TYPE = /^x-[a-z0-9-]+$/
const CUSTOM_EXTENSION = /^[a-z0-9-]{3,250}$/
const EXTENSION_DEFINITION =
  /^extension-definition--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** S-016 hex lengths of the well-known algorithms (keys compared case-insensitively). */
const HASH_HEX_LENGTH: Readonly<Record<string, number>> = {
  md5: 32,
  'sha-1': 40,
  'sha-256': 64,
  'sha-512': 128,
  'sha3-256': 64,
  'sha3-512': 128,
}
const HEX = /^[0-9a-fA-F]*$/

/** Where a path can lead: what the last step names, and on which SCO types it was found. */
type Candidate =
  | { kind: 'any' }
  | { kind: 'sco'; type: string }
  | { kind: 'prop'; prop: PropKind; owner: string; name: string }
  | { kind: 'hash'; algorithm: string }

/** What a path resolves to; `any` among the candidates means it cannot be judged further. */
interface Resolved {
  candidates: Candidate[]
}

class Analyzer {
  readonly text: string
  readonly errors: PatternIssue[] = []
  readonly warnings: PatternIssue[] = []
  readonly customTypes: ReadonlySet<string>
  readonly validFrom: string | undefined
  readonly validUntil: string | undefined

  constructor(text: string, options: SemanticOptions) {
    this.text = text
    const ct = options.customTypes
    this.customTypes = ct === undefined ? new Set() : ct instanceof Set ? ct : new Set(ct)
    this.validFrom = options.validFrom
    this.validUntil = options.validUntil
  }

  error(offset: number, rule: string, message: string): void {
    this.errors.push(issueAt(this.text, offset, rule, message))
  }

  warn(offset: number, rule: string, message: string): void {
    this.warnings.push(issueAt(this.text, offset, rule, message))
  }

  // ---- observation level ------------------------------------------------------------------

  observation(node: ObservationNode): void {
    switch (node.kind) {
      case 'observation-expression':
        this.comparisonTypes(node.comparison)
        return
      case 'observation-operation':
        for (const o of node.operands) this.observation(o)
        return
      case 'qualified-observation': {
        this.observation(node.expression)
        const seen = new Set<string>()
        for (const q of node.qualifiers) {
          if (seen.has(q.kind)) {
            this.error(
              q.start,
              'S-180',
              `a second ${qualifierName(q)} qualifier on the same observation expression; ` +
                `parenthesise to nest them: (… ${qualifierName(q)} …) ${qualifierName(q)} …`,
            )
          }
          seen.add(q.kind)
          this.qualifier(q)
        }
        return
      }
    }
  }

  qualifier(q: Qualifier): void {
    switch (q.kind) {
      case 'within':
        if (!Number.isFinite(q.seconds.value)) {
          this.error(q.seconds.start, 'S-188', 'WITHIN value is out of range')
        } else if (q.seconds.value <= 0) {
          this.error(q.seconds.start, 'S-181', 'WITHIN needs a number of seconds greater than 0')
        }
        return
      case 'repeats':
        if (q.times.value < 1) {
          this.error(q.times.start, 'S-181', 'REPEATS needs a positive integer (at least 1)')
        }
        return
      case 'start-stop': {
        const a = q.startTime
        const b = q.stopTime
        const okA = this.timestamp(a.value, a.start)
        const okB = this.timestamp(b.value, b.start)
        if (!okA || !okB) return
        if (versionKey(b.value) <= versionKey(a.value)) {
          this.warn(b.start, 'S-181', 'STOP is not later than START: the qualifier can never match')
        }
        if (this.validFrom !== undefined && isStixTimestamp(this.validFrom)) {
          if (versionKey(a.value) < versionKey(this.validFrom)) {
            this.warn(a.start, 'S-130', `START is earlier than the indicator's valid_from`)
          }
        }
        if (this.validUntil !== undefined && isStixTimestamp(this.validUntil)) {
          if (versionKey(b.value) > versionKey(this.validUntil)) {
            this.warn(b.start, 'S-130', `STOP is later than the indicator's valid_until`)
          }
        }
        return
      }
    }
  }

  timestamp(value: string, offset: number): boolean {
    if (isStixTimestamp(value)) return true
    this.error(offset, 'S-188', `t'${value}' is not a date in the calendar`)
    return false
  }

  // ---- comparison level -------------------------------------------------------------------

  /** Checks the comparisons and returns the root types an object must have (S-182). */
  comparisonTypes(node: ComparisonNode): ReadonlySet<string> {
    switch (node.kind) {
      case 'exists':
        this.path(node.path)
        return new Set([node.path.objectType])
      case 'comparison': {
        const resolved = this.path(node.path)
        this.comparisonValue(node.operator, node.value, node.path, resolved)
        return new Set([node.path.objectType])
      }
      case 'comparison-operation': {
        const first = node.operands[0] as ComparisonNode
        let acc = new Set(this.comparisonTypes(first))
        for (let k = 1; k < node.operands.length; k++) {
          const operand = node.operands[k] as ComparisonNode
          const types = this.comparisonTypes(operand)
          if (node.operator === 'OR') {
            for (const t of types) acc.add(t)
            continue
          }
          const both = new Set([...acc].filter((t) => types.has(t)))
          if (both.size === 0) {
            this.error(
              operand.start,
              'S-182',
              `AND joins comparisons on object types no single object can have: ` +
                `{${[...acc].join(', ')}} and {${[...types].join(', ')}}; use OR, or separate ` +
                `observation expressions [ … ] AND [ … ]`,
            )
            acc = new Set(types)
          } else {
            acc = both
          }
        }
        return acc
      }
    }
  }

  comparisonValue(
    operator: string,
    value: Literal,
    path: ObjectPath,
    resolved: Resolved | undefined,
  ): void {
    if (value.kind === 'set') {
      if (value.values.length === 0) {
        this.error(value.start, 'S-183', 'IN needs a non-empty set of values')
        return
      }
      const kind = (value.values[0] as PrimitiveLiteral).kind
      for (const v of value.values) {
        this.literal(v)
        if (v.kind !== kind) {
          this.error(
            v.start,
            'S-183',
            `the values of an IN set must all be of one kind (${kind}), found ${v.kind}`,
          )
          break
        }
      }
    } else {
      this.literal(value)
    }
    if (resolved === undefined) return
    if (operator === 'MATCHES' && value.kind === 'string') this.regex(value)
    if ((operator === 'ISSUBSET' || operator === 'ISSUPERSET') && value.kind === 'string') {
      this.subnet(operator, value, path, resolved)
    }
    if (operator === '=' || operator === '!=' || operator === 'IN') {
      const hash = resolved.candidates.find((c) => c.kind === 'hash')
      if (hash?.kind === 'hash') {
        const len = HASH_HEX_LENGTH[hash.algorithm.toLowerCase()]
        if (len !== undefined) {
          for (const v of value.kind === 'set' ? value.values : [value]) {
            if (v.kind !== 'string' || v.value.length !== len || !HEX.test(v.value)) {
              this.error(
                v.start,
                'S-187',
                `${hash.algorithm} hashes are strings of ${len} hex digits`,
              )
              break
            }
          }
        }
      }
    }
  }

  literal(v: PrimitiveLiteral): void {
    if (v.kind === 'timestamp') this.timestamp(v.value, v.start)
    else if (v.kind === 'float' && !Number.isFinite(v.value)) {
      this.error(v.start, 'S-188', 'float constant is out of range')
    }
  }

  regex(value: StringLiteral): void {
    const err = checkPcre(value.value)
    if (err === undefined) return
    this.error(
      sourceOffset(this.text, value.start, err.index),
      'S-185',
      `MATCHES needs a PCRE regular expression: ${err.message}`,
    )
  }

  subnet(operator: string, value: StringLiteral, path: ObjectPath, resolved: Resolved): void {
    let v4 = false
    let v6 = false
    let judged = true
    for (const c of resolved.candidates) {
      if (c.kind === 'prop' && c.name === 'value') {
        if (c.owner === 'ipv4-addr') v4 = true
        if (c.owner === 'ipv6-addr') v6 = true
      } else if (c.kind === 'any') {
        judged = false
      }
    }
    if (!judged) {
      v4 = true
      v6 = true
    } else if (!v4 && !v6) {
      this.error(
        path.start,
        'S-184',
        `${operator} applies to the value of an ipv4-addr or ipv6-addr ` +
          `(e.g. ipv4-addr:value, network-traffic:dst_ref.value)`,
      )
      return
    }
    const s = value.value
    if ((v4 && isIpv4Cidr(s)) || (v6 && isIpv6Cidr(s))) return
    const family = v4 && v6 ? 'IPv4 or IPv6' : v4 ? 'IPv4' : 'IPv6'
    this.error(value.start, 'S-184', `'${s}' is not a valid ${family} address or CIDR block`)
  }

  // ---- object paths -----------------------------------------------------------------------

  /** Checks a path (S-174, S-177, S-186); returns what it resolves to, or undefined if it fails. */
  path(path: ObjectPath): Resolved | undefined {
    for (const step of path.steps) {
      if (step.kind === 'index' && step.index !== '*' && step.index < 0) {
        this.error(step.start, 'S-177', 'a list index must not be negative')
        return undefined
      }
    }
    const type = path.objectType
    if (!TYPE_NAME.test(type)) {
      this.error(
        path.start,
        'S-174',
        `'${type}' is not a valid object type name: 3–250 characters from a-z, 0-9 and -`,
      )
      return undefined
    }
    if (!isScoType(type)) {
      if ((CUSTOM_TYPE.test(type) && !type.includes('--')) || this.customTypes.has(type)) {
        return { candidates: [{ kind: 'any' }] }
      }
      this.error(
        path.start,
        'S-186',
        `'${type}' is not a STIX Cyber-observable Object type; custom types start with x-`,
      )
      return undefined
    }
    let candidates: Candidate[] = [{ kind: 'sco', type }]
    let previous = type
    for (const step of path.steps) {
      const next: Candidate[] = []
      let failure: string | undefined
      for (const c of candidates) {
        const r = stepFrom(c, step, previous)
        if (typeof r === 'string') failure ??= r
        else next.push(...r)
      }
      if (next.length === 0) {
        this.error(step.start, 'S-186', failure ?? 'invalid object path')
        return undefined
      }
      candidates = next
      previous = step.kind === 'property' ? step.name : `${previous}[${step.index}]`
    }
    return { candidates }
  }
}

const qualifierName = (q: Qualifier): string =>
  q.kind === 'within' ? 'WITHIN' : q.kind === 'repeats' ? 'REPEATS' : 'START/STOP'

function propertyOf(
  props: PropMap,
  name: string,
  owner: string,
  where: string,
): Candidate[] | string {
  const prop = props.get(name)
  if (prop !== undefined) return [{ kind: 'prop', prop, owner, name }]
  if (name.startsWith('x_')) return [{ kind: 'any' }]
  return `'${name}' is not a property of ${where} (custom properties start with x_)`
}

/** One path step from one candidate: the candidates it leads to, or why it cannot be taken. */
function stepFrom(c: Candidate, step: PathStep, previous: string): Candidate[] | string {
  switch (c.kind) {
    case 'any':
      return [c]
    case 'hash':
      return `'${previous}' is a hash value and has no ${describeStep(step)}`
    case 'sco': {
      if (step.kind === 'index') return `${c.type} is an object, not a list`
      return propertyOf(scoProperties(c.type) as PropMap, step.name, c.type, c.type)
    }
    case 'prop':
      break
  }
  const p = c.prop
  switch (p.kind) {
    case 'value':
      return `'${previous}' is a single value and has no ${describeStep(step)}`
    case 'list':
      if (step.kind === 'index') {
        return [{ kind: 'prop', prop: p.of, owner: c.owner, name: c.name }]
      }
      return `'${previous}' is a list: select items with [n] or [*] before '${step.name}'`
    case 'dictionary':
      if (step.kind === 'index') return `'${previous}' is a dictionary: select a key, not an index`
      return [{ kind: 'any' }]
    case 'hashes':
      if (step.kind === 'index') return `'${previous}' is a dictionary: select a key, not an index`
      return [{ kind: 'hash', algorithm: step.name }]
    case 'object':
      if (step.kind === 'index') return `'${previous}' is an object, not a list`
      return propertyOf(p.props, step.name, c.owner, `${p.struct} (in ${c.owner})`)
    case 'reference': {
      if (step.kind === 'index') return `'${previous}' is a single reference, not a list`
      if (p.to.length === 0) return [{ kind: 'any' }]
      const out: Candidate[] = []
      for (const t of p.to) {
        const r = propertyOf(scoProperties(t) as PropMap, step.name, t, t)
        if (typeof r !== 'string') out.push(...r)
      }
      if (out.length > 0) return out
      return `'${step.name}' is not a property of the object '${previous}' refers to (${p.to.join(', ')})`
    }
    case 'extensions': {
      if (step.kind === 'index') return `'${previous}' is a dictionary: select a key, not an index`
      const name = step.name
      const props = extensionProperties(c.owner, name)
      if (props !== undefined) {
        return [
          { kind: 'prop', prop: { kind: 'object', struct: name, props }, owner: c.owner, name },
        ]
      }
      const owner = predefinedExtensionOwner(name)
      if (owner !== undefined) return `${name} is an extension of ${owner}, not of ${c.owner}`
      if (EXTENSION_DEFINITION.test(name)) return [{ kind: 'any' }]
      if (CUSTOM_EXTENSION.test(name) && name.endsWith('-ext') && !name.includes('--')) {
        return [{ kind: 'any' }] // deprecated custom extension (S-163)
      }
      return (
        `'${name}' is not an extension of ${c.owner}: expected a predefined extension, ` +
        `an extension-definition id or a custom name ending in -ext`
      )
    }
  }
}

const describeStep = (step: PathStep): string =>
  step.kind === 'index' ? `index [${step.index}]` : `property '${step.name}'`

/**
 * The offset in the pattern of character `index` of a string literal's value, undoing the
 * `\'` and `\\` escapes.
 */
function sourceOffset(text: string, literalStart: number, index: number): number {
  let i = literalStart + 1
  for (let k = 0; k < index && i < text.length; k++) {
    i += text.charCodeAt(i) === 0x5c ? 2 : 1
  }
  return i
}

/** Runs the semantic checks of spec §11.3 on a parsed pattern. */
export function analyzePattern(
  pattern: Pattern,
  text: string,
  options: SemanticOptions = {},
): SemanticResult {
  const a = new Analyzer(text, options)
  a.observation(pattern.expression)
  const byOffset = (x: PatternIssue, y: PatternIssue): number => x.offset - y.offset
  return { errors: a.errors.sort(byOffset), warnings: a.warnings.sort(byOffset) }
}
