import type { Migration } from '../migrate.js';

// People, their roles in workspaces, producer keys, sessions and the audit log. Secrets are stored
// as hashes only: a copy of the file gives no way in. Workspaces are named by id: their rows here
// go with them when they are deleted. No primary keys, as in 001: the single writer keeps ids unique.
export const peopleAndKeys: Migration = {
  version: 2,
  name: 'people-and-keys',
  up: `
CREATE TABLE users (
  id VARCHAR NOT NULL,
  email VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  password_hash VARCHAR NOT NULL,
  owner BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL
);
CREATE TABLE members (workspace VARCHAR NOT NULL, user_id VARCHAR NOT NULL, role VARCHAR NOT NULL);
CREATE TABLE api_keys (
  id VARCHAR NOT NULL,
  workspace VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  scopes VARCHAR NOT NULL,
  key_hash VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_used_at TIMESTAMP
);
-- A session belongs to a person (user_id) or to a screen signed in with a read key (key_id).
CREATE TABLE sessions (
  id_hash VARCHAR NOT NULL,
  user_id VARCHAR,
  key_id VARCHAR,
  created_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP NOT NULL
);
-- Append-only (a workspace's entries go with it). workspace is NULL for the hub's own entries.
CREATE TABLE audit (
  workspace VARCHAR,
  seq BIGINT NOT NULL,
  happened_at TIMESTAMP NOT NULL,
  actor VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  target VARCHAR NOT NULL,
  summary VARCHAR NOT NULL,
  ip VARCHAR NOT NULL
);
`,
};
