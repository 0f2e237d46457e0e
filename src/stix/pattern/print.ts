/**
 * AST → canonical pattern text: single spaces around operators and keywords, no space inside
 * brackets and parentheses, `=`/`!=` (never `==`/`<>`), no `+` signs, lowercase hex, base64
 * without line breaks, property names bare when the grammar allows it and quoted otherwise, and
 * exactly the parentheses the tree shape needs. `parsePattern(printPattern(p))` equals `p` apart
 * from offsets.
 */

import type {
  ComparisonNode,
  Literal,
  ObjectPath,
  ObservationNode,
  Pattern,
  Qualifier,
} from './ast.js'
import { isKeyword } from './lexer.js'

const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/

export const quoteString = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** A property name or key as written in a path: bare when possible, else quoted. */
export function printPathName(name: string): string {
  return BARE.test(name) && !isKeyword(name) && name !== 'true' && name !== 'false'
    ? name
    : quoteString(name)
}

export function printPath(path: ObjectPath): string {
  let out = `${path.objectType}:`
  path.steps.forEach((step, i) => {
    if (step.kind === 'index') out += `[${step.index}]`
    else out += (i === 0 ? '' : '.') + printPathName(step.name)
  })
  return out
}

export function printLiteral(v: Literal): string {
  switch (v.kind) {
    case 'string':
      return quoteString(v.value)
    case 'integer':
    case 'float':
      return v.text
    case 'boolean':
      return v.value ? 'true' : 'false'
    case 'hex':
      return `h'${v.value}'`
    case 'binary':
      return `b'${v.value}'`
    case 'timestamp':
      return `t'${v.value}'`
    case 'set':
      return `(${v.values.map(printLiteral).join(', ')})`
  }
}

const COMPARISON_PRECEDENCE = { OR: 1, AND: 2 } as const

export function printComparison(node: ComparisonNode): string {
  switch (node.kind) {
    case 'comparison':
      return `${printPath(node.path)} ${node.negated ? 'NOT ' : ''}${node.operator} ${printLiteral(node.value)}`
    case 'exists':
      return `${node.negated ? 'NOT ' : ''}EXISTS ${printPath(node.path)}`
    case 'comparison-operation': {
      const p = COMPARISON_PRECEDENCE[node.operator]
      return node.operands
        .map((o) => {
          const s = printComparison(o)
          return o.kind === 'comparison-operation' && COMPARISON_PRECEDENCE[o.operator] <= p
            ? `(${s})`
            : s
        })
        .join(` ${node.operator} `)
    }
  }
}

export function printQualifier(q: Qualifier): string {
  switch (q.kind) {
    case 'within':
      return `WITHIN ${q.seconds.text} SECONDS`
    case 'repeats':
      return `REPEATS ${q.times.text} TIMES`
    case 'start-stop':
      return `START t'${q.startTime.value}' STOP t'${q.stopTime.value}'`
  }
}

const OBSERVATION_PRECEDENCE = { FOLLOWEDBY: 1, OR: 2, AND: 3 } as const

export function printObservation(node: ObservationNode): string {
  switch (node.kind) {
    case 'observation-expression':
      return `[${printComparison(node.comparison)}]`
    case 'qualified-observation': {
      const inner = printObservation(node.expression)
      const e = node.expression.kind === 'observation-expression' ? inner : `(${inner})`
      return `${e} ${node.qualifiers.map(printQualifier).join(' ')}`
    }
    case 'observation-operation': {
      const p = OBSERVATION_PRECEDENCE[node.operator]
      return node.operands
        .map((o) => {
          const s = printObservation(o)
          return o.kind === 'observation-operation' && OBSERVATION_PRECEDENCE[o.operator] <= p
            ? `(${s})`
            : s
        })
        .join(` ${node.operator} `)
    }
  }
}

export function printPattern(pattern: Pattern): string {
  return printObservation(pattern.expression)
}
