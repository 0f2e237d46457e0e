import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Files share a worker's module cache: loading the hub's modules afresh for every file cost
    // 44 s of a CPU-bound suite (22 s of CI's wall time) and isolation bought nothing, as no test
    // mocks a module. A test that changes global state (fake timers, process.env) restores it.
    isolate: false,
    // vitest runs one file at a time on 2 CPUs by default (CPUs - 1); most files here wait on
    // subprocesses, sockets and PostgreSQL, so two at once took a third less time, and three
    // another 10-15% (the whole suite in 410 s against 443-494 s, the 2 cores then 98% busy)
    maxWorkers: 3,
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
