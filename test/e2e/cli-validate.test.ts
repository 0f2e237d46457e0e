import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { indicator } from '../helpers/hub.js'

describe('hydrawatch validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hw-validate-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const good = indicator(1)
  const badPattern = indicator(2, { pattern: "[ipv4-addr:valu = '1.2.3.4']" })
  const badDates = indicator(3, { modified: '2020-01-01T00:00:00.000Z' })

  it('S-128 S-211 prints one line per invalid object of a bundle and exits 1', async () => {
    const file = join(dir, 'bundle.json')
    const bundle = { type: 'bundle', id: 'bundle--2a25c3c8-5d88-4ae9-862a-cc3396442317' }
    writeFileSync(file, JSON.stringify({ ...bundle, objects: [good, badPattern, badDates] }))
    const res = await runCli(['validate', file])
    expect(res.code).toBe(1)
    const lines = res.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toContain(`${file}: objects[1] ${badPattern.id}: S-`)
    expect(lines[0]).toContain('valu')
    expect(lines[1]).toContain(`objects[2] ${badDates.id}: S-045`)
    expect(res.stderr).toContain('3 objects checked, 2 invalid')
  })

  it('reads JSON Lines and exits 0 when every object is valid', async () => {
    const file = join(dir, 'objects.jsonl')
    writeFileSync(file, `${JSON.stringify(good)}\n\n${JSON.stringify(indicator(4))}\n`)
    const res = await runCli(['validate', file])
    expect(res.code).toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr).toContain('2 objects checked, 0 invalid')
  })

  it('S-019 S-001 reads each object as the hub does: integers written with a fraction, duplicate names', async () => {
    const file = join(dir, 'raw.jsonl')
    const text = (o: object, extra: string) => `${JSON.stringify(o).slice(0, -1)},${extra}}`
    const fractional = indicator(5)
    const twice = indicator(6)
    writeFileSync(
      file,
      [
        text(fractional, '"confidence":50.0'),
        text(twice, '"name":"again"'),
        text(indicator(7), '"confidence":50'),
        text(indicator(8), '"extensions":{"x-acme":{"n":1,"n":2}}'),
      ].join('\n'),
    )
    const res = await runCli(['validate', file])
    expect(res.code).toBe(1)
    expect(res.stdout.trim().split('\n')).toEqual([
      `${file}: line 1 ${fractional.id}: S-019 confidence: an integer is written without a fraction or an exponent, not 50.0`,
      // paths start at the object, as the schema checks' do: it is in no envelope
      `${file}: line 2 ${twice.id}: S-001 duplicate member name "name" at the top level`,
      `${file}: line 4 ${indicator(8).id}: S-001 duplicate member name "n" at extensions["x-acme"]`,
    ])
    expect(res.stderr).toContain('4 objects checked, 3 invalid')
  })

  it('S-170 checks one pattern and reports the column of the error', async () => {
    expect((await runCli(['validate', '--pattern', good.pattern])).code).toBe(0)
    const bad = await runCli(['validate', '--pattern', "[ipv4-addr:value = '1.2.3.4'"])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/column 29/)
  })

  it('exits 2 without files or pattern', async () => {
    expect((await runCli(['validate'])).code).toBe(2)
  })
})
