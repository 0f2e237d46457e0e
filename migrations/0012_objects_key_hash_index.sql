-- A collection's records of an object are found by a hash of the object's id seeded with the
-- collection's pk (src/storage/object-key.ts), no longer by the id alone (0011). The index on id
-- spans collections: a probe for an id that 100 collections hold read 100 rows to keep one, and
-- the read of stored versions of 1,000 such ids took 195-404 ms against 24-30 ms for ids held
-- once (EXPLAIN ANALYZE, 300,000 rows). An object shared by several partners' feeds is held once
-- in each of their collections. Keyed by collection, the same read took 26-28 and 22-24 ms, and
-- 31-53 ms through 0002's btree. Like 0011's, the index is a hash index (a 4-byte code and the
-- row's address per entry, where the btree's random inserts cost ingest a fifth of its
-- throughput) and not unique (see 0011).
CREATE INDEX objects_key_idx ON objects USING hash (hashtextextended(id, collection_pk));
--> statement-breakpoint
DROP INDEX objects_id_idx;
