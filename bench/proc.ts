/**
 * Process accounting from /proc: CPU time of processes, of a process's threads, and of the
 * machine, read as snapshots whose differences give a phase's cost.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { round } from './figures.js'

export const TICKS_PER_SECOND = 100

/**
 * user + system CPU seconds so far of a process, or of one thread given as `pid/task/tid`; 0 for
 * one that has ended.
 */
export function cpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND
  } catch {
    return 0 // the process ended between readdir and read
  }
}

/** The machine's CPU time so far, busy and in all, from /proc/stat's summary line (in ticks). */
export function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/)
  const ticks = fields.slice(1, 9).map(Number)
  const total = ticks.reduce((a, b) => a + b, 0)
  // idle and iowait are the time no CPU had work
  return { busy: total - ticks[3]! - ticks[4]!, total }
}

export const busyPercent = (
  before: ReturnType<typeof machineTicks>,
  after: ReturnType<typeof machineTicks>,
) => round((100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total))

/**
 * CPU seconds so far of each PostgreSQL backend serving `database` (their process titles name
 * it), so that a phase's database cost is a difference of two snapshots that other work on the
 * same server does not blur. A backend that exits within a phase takes its time with it (the
 * hub's pool closes a connection left idle for 10 s): that time goes to `other_cpu_s`.
 */
export function postgresCpu(database: string): Map<string, number> {
  const cpu = new Map<string, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let title: string
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
    } catch {
      continue
    }
    if (title.startsWith('postgres: ') && title.includes(` ${database} `)) {
      cpu.set(entry, cpuSeconds(entry))
    }
  }
  return cpu
}

/** The CPU seconds spent between two snapshots, by processes or threads seen in the second. */
export function cpuSince(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0
  for (const [id, seconds] of after) total += seconds - (before.get(id) ?? 0)
  return total
}

/** CPU seconds so far of each thread of process `pid`, by thread id (the main thread's is pid). */
export function threadCpu(pid: number): Map<string, number> {
  const cpu = new Map<string, number>()
  let threads: string[]
  try {
    threads = readdirSync(`/proc/${pid}/task`)
  } catch {
    return cpu
  }
  for (const tid of threads) cpu.set(tid, cpuSeconds(`${pid}/task/${tid}`))
  return cpu
}

/**
 * A process's CPU seconds between two threadCpu snapshots, split between its main thread, its
 * busiest other thread and the rest of them. In the hub, the busiest other thread of an ingest is
 * the envelope check thread; the rest are V8's helpers (garbage collection, compilation) and
 * libuv's pool. A thread that ended between the snapshots is not counted.
 */
export function threadSplit(
  pid: number,
  before: Map<string, number>,
  after: Map<string, number>,
): { main: number; busiest: number; rest: number } {
  let main = 0
  let busiest = 0
  let others = 0
  for (const [tid, seconds] of after) {
    const spent = seconds - (before.get(tid) ?? 0)
    if (tid === String(pid)) main = spent
    else {
      others += spent
      busiest = Math.max(busiest, spent)
    }
  }
  return { main, busiest, rest: others - busiest }
}
