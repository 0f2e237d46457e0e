/**
 * Creates the embedded database in a new data directory, the one named by its argument, in a
 * process of its own (openDatabase starts it): PGlite keeps the memory its initdb used for as long
 * as the process that ran it lives. A failure is one line on stderr, which openDatabase reports.
 */
import { PGlite } from '@electric-sql/pglite'

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: pglite-initdb DATA_DIR')
try {
  const db = new PGlite(dataDir)
  await db.waitReady
  await db.close()
} catch (err) {
  // PGlite's file system errors carry a WASI errno and no message
  const { message, errno } = err as { message?: string; errno?: number }
  process.stderr.write(
    `${message || 'PGlite failed'}${errno === undefined ? '' : ` (errno ${errno})`}\n`,
  )
  // not exitCode: PGlite's runtime sets its own as the process exits
  process.exit(1)
}
