import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import {
  ANNOTATIONS,
  compileSchemaRegistry,
  DISTILL_SCHEMA_DIR,
  SCHEMA_BASE,
  SCHEMA_DIR,
  schemaRegistry,
} from '../../../../src/stix/schema/registry.js'

const files = readdirSync(SCHEMA_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`${d.name}/`, SCHEMA_DIR)).map((f) => `${d.name}/${f}`))
const read = (f: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(f, SCHEMA_DIR), 'utf8')) as Record<string, unknown>

function walk(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit)
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>)
    for (const v of Object.values(node)) walk(v, visit)
  }
}

describe('schemas/stix-2.1', () => {
  it.each(files)('%s is a valid draft 2020-12 schema with a resolvable $id', (f) => {
    const schema = read(f)
    const meta = new ajv2020.default({ strict: false })
    expect(meta.validateSchema(schema), JSON.stringify(meta.errors)).toBe(true)
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe(`${SCHEMA_BASE}${f}`)
    walk(schema, (o) => {
      for (const k of Object.keys(o)) {
        if (k.startsWith('x-') && o !== schema.properties)
          expect(ANNOTATIONS, `${f}: ${k}`).toContain(k)
      }
      if (o['x-sid'] !== undefined) expect(o['x-sid']).toMatch(/^S-[0-9]{3}$/)
    })
  })

  it('has one schema per STIX type in its category directory', () => {
    const names = (dir: string) =>
      files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1, -5))
    expect(names('sdos')).toHaveLength(19)
    expect(names('sros').sort()).toEqual(['relationship', 'sighting'])
    expect(names('observables')).toHaveLength(18)
    expect(names('meta').sort()).toEqual([
      'bundle',
      'extension-definition',
      'language-content',
      'marking-definition',
    ])
    for (const f of files.filter((x) => !x.startsWith('common/'))) {
      const type = read(f).properties as Record<string, { const?: string }>
      expect(type.type?.const, f).toBe(f.slice(f.indexOf('/') + 1, -5))
    }
  })

  it('compiles every type once per process', () => {
    const registry = schemaRegistry()
    expect(schemaRegistry()).toBe(registry)
    expect(registry.types.size).toBe(42)
    expect(registry.schemaCount).toBe(files.length + registry.extensionTypes.size)
  })

  // createAjv turns off the bookkeeping these keywords need, so a schema using one must not load
  it.each(['unevaluatedProperties', '$dynamicRef'])('refuses a schema that uses %s', (keyword) => {
    const root = mkdtempSync(join(tmpdir(), 'hw-schemas-'))
    try {
      mkdirSync(join(root, 'sdo'))
      const schema = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `${SCHEMA_BASE}sdo/x-thing.json`,
        type: 'object',
        allOf: [{ [keyword]: keyword === '$dynamicRef' ? '#meta' : false }],
      }
      writeFileSync(join(root, 'sdo', 'x-thing.json'), JSON.stringify(schema))
      expect(() => compileSchemaRegistry(pathToFileURL(`${root}/`), DISTILL_SCHEMA_DIR)).toThrow(
        `schema sdo/x-thing.json: ${keyword} is not supported`,
      )
    } finally {
      rmSync(root, { recursive: true })
    }
  })

  it('compiles in well under a second (start-up cost)', () => {
    const runs = [0, 1, 2].map(() => compileSchemaRegistry().loadMs)
    console.info(`schema load+compile: ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms`)
    expect(Math.min(...runs)).toBeLessThan(2000)
  })
})
