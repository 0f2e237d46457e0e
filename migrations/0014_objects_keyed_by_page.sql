-- The records of objects are keyed by where they stand in their collection's pages, (collection_pk,
-- date_added, pk), the order every listing reads them in: that index becomes the primary key and
-- the btree on pk alone goes. Every row an Add Objects stores went into three indexes; the btree
-- on pk was only used to find the record a push failure names. Measured (PostgreSQL 15, 2 cores):
-- - a COPY of 100,000 such rows, alternated: ~6% less time with two indexes than with three;
-- - ingests of 200,000 objects with 2 posters, 9 alternated pairs: the database's CPU per envelope
--   of 1,000 was lower in 7 of them, by 0.8 ms of ~18 on average; objects/s moved by -6% to +8% a
--   pair, +1% on average, within this machine's noise.
-- A push failure (0003) now names its record by that key.
ALTER TABLE push_failures
  ADD COLUMN collection_pk bigint,
  ADD COLUMN date_added timestamptz;
--> statement-breakpoint
UPDATE push_failures p SET collection_pk = o.collection_pk, date_added = o.date_added
FROM objects o WHERE o.pk = p.object_pk;
--> statement-breakpoint
ALTER TABLE push_failures
  ALTER COLUMN collection_pk SET NOT NULL,
  ALTER COLUMN date_added SET NOT NULL,
  DROP CONSTRAINT push_failures_object_pk_fkey;
--> statement-breakpoint
ALTER TABLE objects DROP CONSTRAINT objects_pkey;
--> statement-breakpoint
DROP INDEX objects_page_idx;
--> statement-breakpoint
ALTER TABLE objects ADD CONSTRAINT objects_pkey PRIMARY KEY (collection_pk, date_added, pk);
--> statement-breakpoint
-- indexed, so that removing versions looks their failures up instead of reading the table per row
CREATE INDEX push_failures_object_idx ON push_failures (collection_pk, date_added, object_pk);
--> statement-breakpoint
ALTER TABLE push_failures ADD CONSTRAINT push_failures_object_fkey
  FOREIGN KEY (collection_pk, date_added, object_pk)
  REFERENCES objects (collection_pk, date_added, pk) ON DELETE CASCADE;
