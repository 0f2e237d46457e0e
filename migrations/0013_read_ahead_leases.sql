-- A hub reads the page a `next` leads to ahead of the request for it (src/services/read-ahead.ts).
-- Where several processes share the database, a page read before another process removed some of
-- its versions must not be served once that removal has been answered. Each request for such a
-- page used to read the collection's removals (0009) first: one query round trip a page, which
-- cost a full sync of pages of 1,000 a fifth of its throughput (205-245k against 250-310k
-- objects/s without it, three alternated pairs of 6 walks of 120,000 objects).
-- A hub that reads ahead from a collection now holds a lease on it here for about a second, and
-- serves the pages it read under the lease without that query until the lease runs out. Every
-- removal answers only after the leases other processes hold on its collection have run out, so
-- a page read before it can no longer be served by then. `until` is the database's clock.
-- No foreign key: a lease is written while posts hold their collection's row FOR UPDATE, which a
-- key check would wait for.
CREATE TABLE read_ahead_leases (
  collection_pk bigint NOT NULL,
  holder text NOT NULL,
  until timestamptz NOT NULL,
  PRIMARY KEY (collection_pk, holder)
);
