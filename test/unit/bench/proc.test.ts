import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { cpuSeconds, cpuSince, threadCpu, threadSplit } from '../../../bench/proc.js'

/** A thread that, when told, does a fixed amount of work (0.4 to 2 s of CPU here) and says so. */
const SPINNER = `
const { parentPort } = require('node:worker_threads')
parentPort.on('message', () => {
  let x = 0
  for (let i = 0; i < 4e8; i++) x = (x + i * 7) | 0
  parentPort.postMessage(x)
})
parentPort.postMessage('ready')`

describe('bench accounting from /proc', () => {
  it('splits a process’s CPU between its main thread, its busiest other thread and the rest', () => {
    const before = new Map([
      ['100', 1],
      ['101', 0.5],
      ['102', 2],
      ['104', 3],
    ])
    // 103 started within the phase; 101 ended
    const after = new Map([
      ['100', 4],
      ['103', 6],
      ['102', 2.25],
      ['104', 3.5],
    ])
    expect(threadSplit(100, before, after)).toEqual({ main: 3, busiest: 6, rest: 0.75 })
    expect(cpuSince(before, after)).toBe(9.75)
  })

  it('reads the CPU time of each of this process’s threads', async () => {
    const worker = new Worker(SPINNER, { eval: true })
    try {
      await once(worker, 'message')
      const before = threadCpu(process.pid)
      expect(before.has(String(process.pid))).toBe(true)
      // this thread waits while the other one works
      worker.postMessage('go')
      await once(worker, 'message')
      const split = threadSplit(process.pid, before, threadCpu(process.pid))
      // clock ticks are 10 ms
      expect(split.busiest).toBeGreaterThanOrEqual(0.2)
      expect(split.busiest).toBeGreaterThan(split.main)
      expect(cpuSeconds(process.pid)).toBeGreaterThanOrEqual(split.busiest)
    } finally {
      await worker.terminate()
    }
  })

  it('counts a process that has ended as spending nothing more', () => {
    expect(cpuSeconds(2 ** 22 + 1)).toBe(0)
  })
})
