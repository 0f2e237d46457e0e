-- Status details echo what a client sent (ids and versions of objects that failed included), and
-- jsonb cannot hold the escape \u0000 that JSON text allows there: one object whose id held it made
-- its whole envelope a 500. json keeps the text as written, and costs less to write (no conversion
-- to jsonb: about 1 ms of database time per 1,000 details).
ALTER TABLE statuses
  ALTER COLUMN successes DROP DEFAULT,
  ALTER COLUMN successes TYPE json USING successes::json,
  ALTER COLUMN successes SET DEFAULT '[]',
  ALTER COLUMN failures DROP DEFAULT,
  ALTER COLUMN failures TYPE json USING failures::json,
  ALTER COLUMN failures SET DEFAULT '[]',
  ALTER COLUMN pendings DROP DEFAULT,
  ALTER COLUMN pendings TYPE json USING pendings::json,
  ALTER COLUMN pendings SET DEFAULT '[]';
