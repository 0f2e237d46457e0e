-- Partner feeds (issue 7): a partner's TAXII collection paired with a local one. Credentials are
-- stored by reference only (names of environment variables or files), never the secrets.
CREATE TABLE feeds (
  pk bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  api_root_url text NOT NULL,
  collection_id text NOT NULL,
  local_collection_pk bigint NOT NULL REFERENCES collections (pk) ON DELETE RESTRICT,
  credentials jsonb NOT NULL,
  match_type jsonb,
  -- the partner's own X-TAXII-Date-Added-Last of the last page committed locally, verbatim (T-208,
  -- T-209: never our clock)
  pull_cursor text,
  -- the newest date_added the partner has reported, for lag
  partner_newest text,
  -- keyset position (date_added, pk) in the local collection of the last version pushed
  push_date_added timestamptz,
  push_pk bigint,
  pulled_versions bigint NOT NULL DEFAULT 0,
  present_versions bigint NOT NULL DEFAULT 0,
  rejected_versions bigint NOT NULL DEFAULT 0,
  pushed_versions bigint NOT NULL DEFAULT 0,
  last_success_at timestamptz,
  last_error_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
--> statement-breakpoint
CREATE TABLE feed_runs (
  pk bigserial PRIMARY KEY,
  feed_pk bigint NOT NULL REFERENCES feeds (pk) ON DELETE CASCADE,
  direction text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  ended_at timestamptz,
  pages integer NOT NULL DEFAULT 0,
  new_versions integer NOT NULL DEFAULT 0,
  present_versions integer NOT NULL DEFAULT 0,
  rejected_versions integer NOT NULL DEFAULT 0,
  outcome text NOT NULL DEFAULT 'running',
  error text
);
--> statement-breakpoint
CREATE INDEX feed_runs_feed_idx ON feed_runs (feed_pk, pk);
--> statement-breakpoint
-- Provenance: which feed first delivered each version, and when.
CREATE TABLE feed_deliveries (
  feed_pk bigint NOT NULL REFERENCES feeds (pk) ON DELETE CASCADE,
  object_id text NOT NULL,
  version text NOT NULL,
  run_pk bigint NOT NULL,
  delivered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (feed_pk, object_id, version)
);
--> statement-breakpoint
-- Versions a feed delivered that local validation refused: the latest reason per version.
CREATE TABLE feed_rejections (
  feed_pk bigint NOT NULL REFERENCES feeds (pk) ON DELETE CASCADE,
  object_id text NOT NULL,
  version text NOT NULL,
  run_pk bigint NOT NULL,
  reason text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (feed_pk, object_id, version)
);
--> statement-breakpoint
-- Local versions a partner refused on push, sent again on the next push until accepted.
CREATE TABLE push_failures (
  feed_pk bigint NOT NULL REFERENCES feeds (pk) ON DELETE CASCADE,
  object_pk bigint NOT NULL REFERENCES objects (pk) ON DELETE CASCADE,
  reason text NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  last_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (feed_pk, object_pk)
);
