import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli, serveCli } from '../helpers/cli.js'

/** The kernel's high-water mark of a process's resident memory, in MB. */
function peakResidentMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (m === null) throw new Error(`no VmHWM for process ${pid}`)
  return Number(m[1]) / 1024
}

describe('a new data directory for the embedded database', () => {
  // Not a copy of the suite's template directory (embeddedDataDir): PGlite's initdb runs here.
  it('creates the embedded database in a process of its own, so the hub never holds initdb’s memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-new-data-'))
    const hub = await serveCli([], { HYDRAWATCH_DATA_DIR: dir })
    try {
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true)
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
      // ~380 MB so; ~840 MB when the hub ran initdb itself
      expect(peakResidentMb(hub.child.pid!)).toBeLessThan(600)
    } finally {
      await hub.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('says why when the embedded database cannot be created there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-new-data-'))
    // a file where initdb makes a directory
    writeFileSync(join(dir, 'global'), '')
    try {
      const { code, stderr } = await runCli(['migrate'], { HYDRAWATCH_DATA_DIR: dir })
      expect(code).toBe(1)
      // PGlite's own words (here `PGlite failed (errno 54)`) follow
      expect(stderr).toMatch(/^hydrawatch: creating the embedded database in .+ failed: \S/)
      expect(stderr).toContain(dir)
      expect(stderr).not.toContain('[object Object]')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
