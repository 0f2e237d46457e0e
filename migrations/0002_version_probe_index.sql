-- Listings keep only the newest version (and newest spec version) of each object with a
-- NOT EXISTS probe per row over (collection_pk, id, ...). The probe filters on spec_version
-- (and, with added_after, on date_added), which the 0001 unique index does not hold, so every
-- probe also read the row from the heap: on a 200,000-object collection that was 16 us of a
-- page's 20 us per row. Carrying both columns in the index makes the probe index-only. The key
-- columns, and so the uniqueness rule, are those of the constraint it replaces: ingest maintains
-- no extra index.
CREATE UNIQUE INDEX objects_version_probe_idx ON objects (collection_pk, id, version_key)
  INCLUDE (spec_version, date_added);
--> statement-breakpoint
ALTER TABLE objects DROP CONSTRAINT objects_collection_pk_id_version_key_key;
