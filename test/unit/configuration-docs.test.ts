import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ENV_VARS } from '../../src/config.js'

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')

describe('every variable the hub reads is documented', () => {
  const readme = read('README.md')
  const example = read('.env.example')
  const exampleNames = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1])

  it.each(Object.keys(ENV_VARS))(
    '%s is in the README configuration table and .env.example',
    (name) => {
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\``, 'm'))
      expect(exampleNames).toContain(name)
    },
  )

  it('.env.example sets nothing the hub does not read', () => {
    expect(exampleNames.filter((name) => !(name! in ENV_VARS))).toEqual([])
  })
})
