-- An envelope answered `pending` (T-170) was stored by the hub that accepted it, from memory: a
-- hub stopped in between left a status pending until it expired and objects that never came. The
-- envelope is now kept here, written with its pending status, until it is stored. The hub storing
-- it holds a lease (claimed_until); any hub finds envelopes whose lease ran out and stores them.
CREATE TABLE pending_envelopes (
  api_root_pk bigint NOT NULL,
  status_id text NOT NULL,
  collection_pk bigint NOT NULL REFERENCES collections (pk) ON DELETE CASCADE,
  -- who posted it: the status's owner, and the identities attribution is checked against (T-171)
  sub text NOT NULL,
  identities jsonb NOT NULL,
  body text NOT NULL,
  claimed_until timestamptz NOT NULL,
  PRIMARY KEY (api_root_pk, status_id),
  FOREIGN KEY (api_root_pk, status_id) REFERENCES statuses (api_root_pk, id) ON DELETE CASCADE
);
