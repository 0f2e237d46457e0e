/**
 * Creates the embedded database in a new data directory, the one named by its argument, in a
 * process of its own (openDatabase starts it): PGlite keeps the memory its initdb used for as long
 * as the process that ran it lives.
 */
import { PGlite } from '@electric-sql/pglite'

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: pglite-initdb DATA_DIR')
const db = new PGlite(dataDir)
await db.waitReady
await db.close()
