/**
 * Typed AST of a STIX 2.1 pattern (spec §11.2, STIX §9).
 *
 * Every node carries `start`/`end`: offsets into the pattern text in UTF-16 code units (JS string
 * indices), `end` exclusive. Parentheses are syntax, not structure: a parenthesised expression is
 * represented by the node inside it (whose span excludes the parentheses), and the printer puts
 * back the parentheses that the tree shape needs. Chains of one operator are n-ary
 * (`a OR b OR c` is one node with three operands), so the tree depth grows with the parenthesis
 * nesting only.
 */

export interface Span {
  start: number
  end: number
}

export interface Pattern extends Span {
  kind: 'pattern'
  expression: ObservationNode
}

// ---------------------------------------------------------------------------------------------
// Observation level

export type ObservationNode = ObservationExpression | ObservationOperation | QualifiedObservation

/** `[ … ]`: comparisons evaluated against one observation. */
export interface ObservationExpression extends Span {
  kind: 'observation-expression'
  comparison: ComparisonNode
}

export type ObservationOperator = 'AND' | 'OR' | 'FOLLOWEDBY'

/** Observation operators; left-associative chains become one node (operands in source order). */
export interface ObservationOperation extends Span {
  kind: 'observation-operation'
  operator: ObservationOperator
  /** at least two */
  operands: ObservationNode[]
  /** offsets of the operator keywords, `operands.length - 1` of them */
  operatorOffsets: number[]
}

/**
 * Postfix qualifiers applying to one observation expression or parenthesised group. The
 * qualifiers written one after another on the same atom share one node (S-180 forbids two of a
 * kind there); `([a] WITHIN 5 SECONDS) WITHIN 6 SECONDS` nests two nodes.
 */
export interface QualifiedObservation extends Span {
  kind: 'qualified-observation'
  expression: ObservationNode
  /** at least one, in source order */
  qualifiers: Qualifier[]
}

export type Qualifier = WithinQualifier | RepeatsQualifier | StartStopQualifier

export interface WithinQualifier extends Span {
  kind: 'within'
  seconds: IntegerLiteral | FloatLiteral
}

export interface RepeatsQualifier extends Span {
  kind: 'repeats'
  times: IntegerLiteral
}

export interface StartStopQualifier extends Span {
  kind: 'start-stop'
  startTime: TimestampLiteral
  stopTime: TimestampLiteral
}

// ---------------------------------------------------------------------------------------------
// Comparison level (inside brackets)

export type ComparisonNode = Comparison | ExistsComparison | ComparisonOperation

export type BooleanOperator = 'AND' | 'OR'

export interface ComparisonOperation extends Span {
  kind: 'comparison-operation'
  operator: BooleanOperator
  /** at least two */
  operands: ComparisonNode[]
  /** offsets of the operator keywords, `operands.length - 1` of them */
  operatorOffsets: number[]
}

export type EqualityOperator = '=' | '!='
export type OrderOperator = '<' | '<=' | '>' | '>='
export type StringOperator = 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET'
export type ComparisonOperator = EqualityOperator | OrderOperator | 'IN' | StringOperator

/** `path [NOT] op value`. The grammar decides which literal kinds each operator takes. */
export type Comparison =
  | ComparisonOf<EqualityOperator, PrimitiveLiteral>
  | ComparisonOf<OrderOperator, OrderableLiteral>
  | ComparisonOf<'IN', SetLiteral>
  | ComparisonOf<StringOperator, StringLiteral>

export interface ComparisonOf<Op extends ComparisonOperator, V extends Literal> extends Span {
  kind: 'comparison'
  path: ObjectPath
  negated: boolean
  operator: Op
  /** offset of the operator (after `NOT`, if any) */
  operatorOffset: number
  value: V
}

/** `[NOT] EXISTS path` */
export interface ExistsComparison extends Span {
  kind: 'exists'
  path: ObjectPath
  negated: boolean
}

// ---------------------------------------------------------------------------------------------
// Object paths

/** `type:first.step[0].'quoted key'…` */
export interface ObjectPath extends Span {
  kind: 'object-path'
  objectType: string
  /** the first step is always a property; at least one step */
  steps: [PropertyStep, ...PathStep[]]
}

export type PathStep = PropertyStep | IndexStep

/** A property name or dictionary key, written bare or quoted (the AST does not keep which). */
export interface PropertyStep extends Span {
  kind: 'property'
  name: string
}

/** `[n]` or `[*]`; the grammar allows negative indexes, the semantic check rejects them. */
export interface IndexStep extends Span {
  kind: 'index'
  index: number | '*'
}

// ---------------------------------------------------------------------------------------------
// Literals

export interface StringLiteral extends Span {
  kind: 'string'
  /** the value with escapes resolved */
  value: string
}

/**
 * `value` is the number; `text` keeps the exact decimal (without a `+`), since integers may
 * exceed 2^53 and STIX compares integer and float constants exactly (§9.2).
 */
export interface IntegerLiteral extends Span {
  kind: 'integer'
  value: number
  text: string
}

export interface FloatLiteral extends Span {
  kind: 'float'
  value: number
  text: string
}

export interface BooleanLiteral extends Span {
  kind: 'boolean'
  value: boolean
}

/** `h'…'`; `value` is the hex digits in lowercase (possibly empty). */
export interface HexLiteral extends Span {
  kind: 'hex'
  value: string
}

/** `b'…'`; `value` is the base64 text with line breaks removed. */
export interface BinaryLiteral extends Span {
  kind: 'binary'
  value: string
}

/** `t'…'`; `value` is the timestamp text between the quotes. */
export interface TimestampLiteral extends Span {
  kind: 'timestamp'
  value: string
}

export type OrderableLiteral =
  IntegerLiteral | FloatLiteral | StringLiteral | BinaryLiteral | HexLiteral | TimestampLiteral

export type PrimitiveLiteral = OrderableLiteral | BooleanLiteral

/** `( a, b, … )`; the grammar allows `()`, the semantic check rejects it (S-177, S-183). */
export interface SetLiteral extends Span {
  kind: 'set'
  values: PrimitiveLiteral[]
}

export type Literal = PrimitiveLiteral | SetLiteral

export type Node =
  Pattern | ObservationNode | Qualifier | ComparisonNode | ObjectPath | PathStep | Literal
