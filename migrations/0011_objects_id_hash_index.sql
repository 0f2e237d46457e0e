-- Stored versions are found by object id through a hash index instead of the unique btree on
-- (collection_pk, id, version_key) INCLUDE (spec_version, date_added) that 0002 made. Every row
-- an Add Objects stores went into that btree at a random place, with a ~100-byte entry: once the
-- index outgrew shared_buffers, ingest paid for it in buffer misses and full-page images.
-- A hash entry holds a 4-byte hash code and the row's address. Measured (PostgreSQL 15, 2 cores):
-- - psql, 200,000 rows by INSERT ... SELECT: 2.46-2.63 s and 259 MB of WAL with the btree,
--   1.93-2.23 s and 232 MB with the hash index;
-- - npm run bench, 1,000,000 objects, alternated runs: ingest 27,360 and 28,099 objects/s with
--   the btree, 33,815 and 35,175 with the hash index;
-- - the NOT EXISTS probe per row of a listing with match[spec_version] or match[version] (a page
--   of 1,000 from a 200,000-row collection, EXPLAIN ANALYZE): 21-27 ms through the btree, 10-13 ms
--   through the hash index and the row's heap page, which the page has just read anyway.
-- The index holds no collection: a probe also reads the rows of the same id in other collections,
-- one each for an object shared by several. It is not unique: Add Objects finds every stored
-- version before it writes, under the collection lock (T-134, T-137), and import checks each
-- collection it restores for repeated versions.
CREATE INDEX objects_id_idx ON objects USING hash (id);
--> statement-breakpoint
DROP INDEX objects_version_probe_idx;
