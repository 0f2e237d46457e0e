import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // vitest runs one file at a time on 2 CPUs by default (CPUs - 1); most files here wait on
    // subprocesses, sockets and PostgreSQL, so two at once take a third less time
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
