-- The default listing (newest spec version, then newest version of each object) kept only the
-- records with no sibling sorting after them by (spec_version, version_key), with a NOT EXISTS
-- probe per row: two thirds of the database's time for a 1,000-object page. newer_added holds,
-- per record, the latest date_added among those siblings (NULL when none), maintained by every
-- write under the collection lock, so the rule becomes a test on the row itself: with added_after
-- X a record stands when no such sibling was added after X, i.e. newer_added IS NULL or <= X.
ALTER TABLE objects ADD COLUMN newer_added timestamptz;
--> statement-breakpoint
UPDATE objects o SET newer_added = x.newer
FROM (
  SELECT pk, max(date_added) OVER (
    PARTITION BY collection_pk, id ORDER BY spec_version DESC, version_key DESC
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newer
  FROM objects
) x
WHERE o.pk = x.pk AND x.newer IS NOT NULL;
