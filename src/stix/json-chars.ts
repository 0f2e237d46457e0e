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
