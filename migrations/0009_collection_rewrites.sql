-- Add Objects reads the stored versions of an envelope's ids before it takes the collection lock,
-- and under the lock checks only whether they can have changed since (kysely-store.ts, addObjects).
-- Posts stamp date_added above last_date_added, so what they added since is found by date; a
-- deletion (Delete an Object, retention) leaves no such trace, so it counts here, under the lock.
ALTER TABLE collections ADD COLUMN rewrites bigint NOT NULL DEFAULT 0;
