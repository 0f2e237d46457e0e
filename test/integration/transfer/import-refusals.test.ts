import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { operations } from '../../../src/admin/operations.js'
import type { Deps } from '../../../src/services/deps.js'
import { DIALECTS } from '../../helpers/db.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { fixture } from './support.js'

/** Everything an import could have written, as the admin operations list it. */
async function contents(deps: Deps) {
  const roots = await deps.store.listApiRoots()
  const { collections } = await operations['collections.list'](deps, {})
  return { roots, collections }
}

describe.each(DIALECTS)('imports that must not write anything (%s)', (dialect) => {
  let hub: TestHub
  let dir: string
  let deps: Deps

  beforeAll(async () => {
    hub = await startTestHub(dialect)
    deps = hub.server.deps
    dir = mkdtempSync(join(tmpdir(), 'hw-refusals-'))
  })
  afterAll(async () => {
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The lines of an export of everything, every API root renamed by a prefix so it can go back in. */
  const renamedExport = async (prefix: string) => {
    const exported = join(dir, `${prefix}export.jsonl`)
    await operations.export(deps, { file: exported })
    return readFileSync(exported, 'utf8')
      .replace(/"(api_root|name)":"/g, `"$1":"${prefix}`)
      .split('\n')
  }

  const file = (name: string, text: string) => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }

  it('refuses an API root name the database holds, leaving nothing written', async () => {
    await operations.import(deps, { file: fixture('medallion-data-file.json') })
    const before = await contents(deps)
    await expect(
      operations.import(deps, { file: fixture('medallion-data-file.json') }),
    ).rejects.toThrow('an API root named "feeds" exists already')
    expect(await contents(deps)).toEqual(before)
  })

  it('rolls back earlier API roots of an export when a later one clashes', async () => {
    const exported = join(dir, 'export.jsonl')
    await operations.export(deps, { file: exported })
    // rename every root but `partners`, which then clashes after the others went in
    const renamed = readFileSync(exported, 'utf8').replace(
      /"(api_root|name)":"(hub|feeds|archive)"/g,
      '"$1":"$2-copy"',
    )
    const before = await contents(deps)
    await expect(operations.import(deps, { file: file('clash.jsonl', renamed) })).rejects.toThrow(
      'an API root named "partners" exists already',
    )
    expect(await contents(deps)).toEqual(before)
  })

  it('refuses a truncated export', async () => {
    const exported = join(dir, 'whole.jsonl')
    await operations.export(deps, { file: exported })
    // under new names, so only the missing end record stands in the way
    const renamed = readFileSync(exported, 'utf8').replace(/"(api_root|name)":"/g, '"$1":"t-')
    const text = renamed.split('\n').slice(0, -2).join('\n')
    const before = await contents(deps)
    await expect(operations.import(deps, { file: file('truncated.jsonl', text) })).rejects.toThrow(
      'has no end record: it is truncated',
    )
    expect(await contents(deps)).toEqual(before)
  })

  it('T-170 refuses an envelope on a complete status, or in a collection outside its API root', async () => {
    const lines = await renamedExport('e-')
    const at = lines.findIndex((l) => l.includes('"record":"status"'))
    const status = JSON.parse(lines[at]!)
    const envelope = { collection: 'nope', sub: 'acme', identities: [], body: '{"objects":[]}' }
    const variant = (name: string, record: unknown) =>
      file(name, lines.map((l, i) => (i === at ? JSON.stringify(record) : l)).join('\n'))
    const before = await contents(deps)
    await expect(
      operations.import(deps, {
        file: variant('complete.jsonl', { ...status, status: 'complete', envelope }),
      }),
    ).rejects.toThrow('only a pending status has an envelope')
    await expect(
      operations.import(deps, {
        file: variant('elsewhere.jsonl', { ...status, status: 'pending', envelope }),
      }),
    ).rejects.toThrow("its envelope's collection is not in its API root")
    expect(await contents(deps)).toEqual(before)
  })

  it('refuses U+0000 bound for a text column, naming the line, and writes nothing', async () => {
    const lines = await renamedExport('z-')
    const at = lines.findIndex((l) => l.includes('"record":"collection"'))
    const collection = JSON.parse(lines[at]!) as Record<string, unknown>
    lines[at] = JSON.stringify({ ...collection, title: 'nul \u0000 here' })
    const before = await contents(deps)
    await expect(
      operations.import(deps, { file: file('nul.jsonl', lines.join('\n')) }),
    ).rejects.toThrow(`line ${at + 1}: "title" holds U+0000, which no text column can store`)
    expect(await contents(deps)).toEqual(before)
  })

  it('T-137 refuses an export holding one version of an object twice in a collection', async () => {
    const lines = await renamedExport('r-')
    const at = lines.findIndex((l) => l.includes('"record":"object"'))
    const object = JSON.parse(lines[at]!) as Record<string, unknown>
    // the same record twice, as a hand-merged file could hold it
    const end = lines.findIndex((l) => l.includes('"record":"end"'))
    const ending = JSON.parse(lines[end]!) as { objects: number }
    lines[end] = JSON.stringify({ ...ending, objects: ending.objects + 1 })
    lines.splice(at + 1, 0, lines[at]!)
    const before = await contents(deps)
    await expect(
      operations.import(deps, { file: file('repeat.jsonl', lines.join('\n')) }),
    ).rejects.toThrow(
      `collection ${String(object.collection)} of API root ${String(object.api_root)} holds version ${String(object.version)} of ${String(object.id)} more than once`,
    )
    expect(await contents(deps)).toEqual(before)
  })

  it('takes a medallion file whose texts hold U+0000 with warnings, as for other malformed values', async () => {
    const medallion = {
      '/discovery': { title: 'm', api_roots: ['http://localhost:5000/nul-root/'] },
      'nul-root': {
        information: {
          title: 'root \u0000 title',
          versions: ['application/taxii+json;version=2.1'],
        },
        status: [],
        collections: [
          { id: '6a1b2c3d-0000-4000-8000-000000000001', title: 'c \u0000', can_read: true },
          { id: '6a1b2c3d-0000-4000-8000-\u0000', title: 'nul id', can_read: true },
        ],
      },
    }
    const summary = await operations.import(deps, {
      file: file('nul-medallion.json', JSON.stringify(medallion)),
    })
    const text = summary.warnings.join('\n')
    expect(text).toContain('API root "nul-root": title is malformed; "nul-root" used')
    expect(text).toContain('title is malformed; "6a1b2c3d-0000-4000-8000-000000000001" used')
    expect(text).toContain('collections[1]: no usable id; skipped')
    const { collections } = await operations['collections.list'](deps, { apiRoot: 'nul-root' })
    expect(collections.map((c) => [c.id, c.title])).toEqual([
      ['6a1b2c3d-0000-4000-8000-000000000001', '6a1b2c3d-0000-4000-8000-000000000001'],
    ])
  })

  it('T-134 stamps objects no manifest record describes after the newest one, 20 µs apart', async () => {
    const indicator = (n: number) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--6a1b2c3d-0000-4000-8000-00000000010${n}`,
      created: '2025-01-01T00:00:00.000Z',
      modified: '2025-01-01T00:00:00.000Z',
      pattern: "[ipv4-addr:value = '10.0.0.1']",
      pattern_type: 'stix',
      valid_from: '2025-01-01T00:00:00Z',
    })
    const medallion = {
      '/discovery': { title: 'm', api_roots: ['http://localhost:5000/late-root/'] },
      'late-root': {
        information: { title: 'late', versions: ['application/taxii+json;version=2.1'] },
        status: [],
        collections: [
          {
            id: '6a1b2c3d-0000-4000-8000-000000000002',
            title: 'late',
            can_read: true,
            can_write: true,
            media_types: ['application/stix+json;version=2.1'],
            objects: [indicator(1), indicator(2), indicator(3)],
            manifest: [
              {
                id: indicator(1).id,
                date_added: '2100-01-01T00:00:00.000000Z',
                version: '2025-01-01T00:00:00.000Z',
                media_type: 'application/stix+json;version=2.1',
              },
            ],
          },
        ],
      },
    }
    const summary = await operations.import(deps, {
      file: file('late-medallion.json', JSON.stringify(medallion)),
    })
    const stamps = summary.warnings.flatMap(
      (w) => /no manifest record; date_added (\S+)/.exec(w)?.[1] ?? [],
    )
    expect(stamps).toEqual(['2100-01-01T00:00:00.000020Z', '2100-01-01T00:00:00.000040Z'])
  })

  it('refuses files it does not recognise and paths that are not absolute', async () => {
    await expect(
      operations.import(deps, { file: file('other.json', '{"hello":"world"}') }),
    ).rejects.toThrow('is not a hydrawatch export, a STIX bundle or a medallion data file')
    await expect(operations.import(deps, { file: file('bad.json', '{') })).rejects.toThrow(
      'is neither JSON nor a hydrawatch export',
    )
    await expect(operations.import(deps, { file: join(dir, 'missing.json') })).rejects.toThrow(
      'cannot read',
    )
    await expect(operations.import(deps, { file: 'relative.json' })).rejects.toThrow(
      'is not an absolute path',
    )
    await expect(
      operations.import(deps, {
        file: fixture('medallion-data-file.json'),
        collection: 'distillation-indicators',
      }),
    ).rejects.toThrow('--collection takes a STIX bundle')
  })
})
