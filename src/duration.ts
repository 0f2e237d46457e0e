const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** `90s`, `15m`, `12h`, `30d`, `2w` (or a bare number of seconds) to seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(text.trim())
  if (m === null) throw new TypeError(`"${text}" is not a duration such as 90s, 15m, 12h or 30d`)
  const seconds = Number(m[1]) * UNITS[m[2] || 's']!
  if (seconds < 1) throw new TypeError('a duration must be at least one second')
  return seconds
}
