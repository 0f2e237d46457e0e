-- The status details of a 1,000-object envelope are ~100 kB of JSON, compressed as they are
-- written: pglz took 1.5 ms of database time per status, 5% of the database's CPU during ingest
-- (perf), where lz4 takes a few tenths of a millisecond for the same size (44 kB). PGlite, and
-- servers built without lz4, refuse it and keep pglz. Pending envelopes' bodies likewise.
DO $$
BEGIN
  ALTER TABLE statuses
    ALTER COLUMN successes SET COMPRESSION lz4,
    ALTER COLUMN failures SET COMPRESSION lz4,
    ALTER COLUMN pendings SET COMPRESSION lz4;
  ALTER TABLE pending_envelopes ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
--> statement-breakpoint
-- No query filters or sorts on an object's body, so its statistics only cost ANALYZE, which the
-- hub runs as a collection grows: detoasting and sorting 30,000 sampled texts was a fifth of each
-- ANALYZE of objects (423 against 540 ms at 330,000 rows).
ALTER TABLE objects ALTER COLUMN body SET STATISTICS 0;
