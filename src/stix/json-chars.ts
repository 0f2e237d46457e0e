/** Code points of JSON's structural characters: string char codes and UTF-8 bytes alike. */
export const QUOTE = 0x22
export const BACKSLASH = 0x5c
export const COMMA = 0x2c
export const COLON = 0x3a
export const LBRACE = 0x7b
export const RBRACE = 0x7d
export const LBRACKET = 0x5b
export const RBRACKET = 0x5d
export const MINUS = 0x2d
export const DIGIT_0 = 0x30
export const DIGIT_9 = 0x39
export const DOT = 0x2e
export const LOWER_E = 0x65
export const UPPER_E = 0x45

/**
 * Whether the byte or code unit `c`, met outside any string, with `before` just before it, makes
 * the number it is in one written with a fraction or an exponent: a `.`, or an `e`/`E` after a
 * digit (the `e` of `true` and `false` follows a letter).
 */
export const marksDecimal = (c: number, before: number): boolean =>
  c === DOT || ((c === LOWER_E || c === UPPER_E) && before >= DIGIT_0 && before <= DIGIT_9)
