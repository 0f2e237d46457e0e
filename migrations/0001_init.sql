-- Hub identity and secrets: the JWT signing key and the HMAC key for `next` tokens live here so
-- every hub process sharing one database agrees on them (T-052, T-128).
CREATE TABLE hub_keys (
  name text PRIMARY KEY,
  secret text NOT NULL,
  issuer text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE api_roots (
  pk bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  title text NOT NULL,
  description text,
  versions jsonb NOT NULL DEFAULT '["application/taxii+json;version=2.1"]',
  max_content_length bigint NOT NULL,
  is_default boolean NOT NULL DEFAULT false,
  builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
--> statement-breakpoint
CREATE TABLE collections (
  pk bigserial PRIMARY KEY,
  api_root_pk bigint NOT NULL REFERENCES api_roots (pk) ON DELETE CASCADE,
  id text NOT NULL,
  alias text,
  title text NOT NULL,
  description text,
  can_read boolean NOT NULL,
  can_write boolean NOT NULL,
  media_types jsonb NOT NULL,
  require_attribution boolean NOT NULL DEFAULT false,
  builtin boolean NOT NULL DEFAULT false,
  -- The newest date_added stamped in this collection; read under FOR UPDATE so stamps are
  -- strictly increasing and commit in stamp order (T-134).
  last_date_added timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (api_root_pk, id),
  UNIQUE (api_root_pk, alias)
);
--> statement-breakpoint
CREATE TABLE objects (
  pk bigserial PRIMARY KEY,
  collection_pk bigint NOT NULL REFERENCES collections (pk) ON DELETE CASCADE,
  id text NOT NULL,
  type text NOT NULL,
  spec_version text NOT NULL,
  -- version as the object states it (echoed verbatim) and its canonical sortable form
  version text NOT NULL,
  version_key text NOT NULL,
  date_added timestamptz NOT NULL,
  body text NOT NULL,
  UNIQUE (collection_pk, id, version_key)
);
--> statement-breakpoint
CREATE INDEX objects_page_idx ON objects (collection_pk, date_added, pk);
--> statement-breakpoint
CREATE TABLE statuses (
  id text NOT NULL,
  api_root_pk bigint NOT NULL REFERENCES api_roots (pk) ON DELETE CASCADE,
  owner_sub text,
  status text NOT NULL,
  request_timestamp timestamptz NOT NULL,
  total_count integer NOT NULL,
  success_count integer NOT NULL,
  failure_count integer NOT NULL,
  pending_count integer NOT NULL,
  successes jsonb NOT NULL DEFAULT '[]',
  failures jsonb NOT NULL DEFAULT '[]',
  pendings jsonb NOT NULL DEFAULT '[]',
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (api_root_pk, id)
);
--> statement-breakpoint
CREATE TABLE audit_log (
  pk bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sub text,
  action text NOT NULL,
  api_root text,
  collection_id text,
  details jsonb NOT NULL DEFAULT '{}'
);
--> statement-breakpoint
CREATE INDEX audit_log_at_idx ON audit_log (at);
