-- The SQLite projection: a fold of the event log into tables an auditor can query.
-- Addresses are stored as 16-byte big-endian BLOBs (IPv4 mapped into ::ffff:0:0/96) so that a
-- CIDR is one index range scan for both families.

CREATE TABLE events (
  partition     INTEGER NOT NULL,
  "offset"      INTEGER NOT NULL,
  id            TEXT    NOT NULL,
  type          TEXT    NOT NULL,
  domain        TEXT    NOT NULL,
  pool          TEXT    NOT NULL,
  at            TEXT    NOT NULL,   -- the writer's clock, as written
  effective_ms  INTEGER NOT NULL,   -- never goes backwards within a partition
  actor         TEXT    NOT NULL,   -- JSON
  status        TEXT    NOT NULL CHECK (status IN ('accepted', 'voided', 'duplicate')),
  reason        TEXT,
  body          TEXT    NOT NULL,   -- the whole event, JSON
  PRIMARY KEY (partition, "offset")
);
CREATE INDEX events_by_id ON events (id);
CREATE INDEX events_by_time ON events (effective_ms);

CREATE TABLE allocations (
  domain        TEXT    NOT NULL,
  pool          TEXT    NOT NULL,
  ip            TEXT    NOT NULL,
  ip_blob       BLOB    NOT NULL,
  family        INTEGER NOT NULL,
  container_id  TEXT    NOT NULL,
  if_name       TEXT    NOT NULL,
  pod_namespace TEXT    NOT NULL,
  pod_name      TEXT    NOT NULL,
  pod_uid       TEXT    NOT NULL,
  node          TEXT    NOT NULL,
  requested     INTEGER NOT NULL,
  since_partition INTEGER NOT NULL,
  since_offset  INTEGER NOT NULL,
  since_at      TEXT    NOT NULL,
  since_ms      INTEGER NOT NULL,
  PRIMARY KEY (domain, ip_blob)
);
CREATE INDEX allocations_by_attachment ON allocations (container_id, if_name);
CREATE INDEX allocations_by_pod ON allocations (pod_namespace, pod_name);
CREATE INDEX allocations_by_ip ON allocations (ip_blob);

-- One row per ownership interval: [from, to) in log positions and effective time.
CREATE TABLE tenancies (
  id            INTEGER PRIMARY KEY,
  domain        TEXT    NOT NULL,
  pool          TEXT    NOT NULL,
  ip            TEXT    NOT NULL,
  ip_blob       BLOB    NOT NULL,
  family        INTEGER NOT NULL,
  container_id  TEXT    NOT NULL,
  if_name       TEXT    NOT NULL,
  pod_namespace TEXT    NOT NULL,
  pod_name      TEXT    NOT NULL,
  pod_uid       TEXT    NOT NULL,
  node          TEXT    NOT NULL,
  requested     INTEGER NOT NULL,
  from_partition INTEGER NOT NULL,
  from_offset   INTEGER NOT NULL,
  from_at       TEXT    NOT NULL,
  from_ms       INTEGER NOT NULL,
  to_partition  INTEGER,
  to_offset     INTEGER,
  to_at         TEXT,
  to_ms         INTEGER,
  end_reason    TEXT
);
CREATE INDEX tenancies_by_ip ON tenancies (ip_blob, from_ms);
CREATE INDEX tenancies_by_pod ON tenancies (pod_namespace, pod_name, from_ms);
CREATE INDEX tenancies_by_pod_uid ON tenancies (pod_uid);
CREATE INDEX tenancies_open ON tenancies (domain, ip_blob) WHERE to_offset IS NULL;

-- Pool definitions over time: a new row each time a pool is defined or redefined.
CREATE TABLE pools (
  domain        TEXT    NOT NULL,
  pool          TEXT    NOT NULL,
  partition     INTEGER NOT NULL,
  "offset"      INTEGER NOT NULL,
  at            TEXT    NOT NULL,
  effective_ms  INTEGER NOT NULL,
  range         TEXT    NOT NULL,
  range_start   TEXT    NOT NULL,
  range_end     TEXT    NOT NULL,
  exclude       TEXT    NOT NULL,   -- JSON array
  gateway       TEXT,
  network_name  TEXT    NOT NULL,
  reuse_cooldown_seconds INTEGER NOT NULL,
  PRIMARY KEY (domain, pool, partition, "offset")
);

CREATE TABLE reservations (
  id            INTEGER PRIMARY KEY,
  domain        TEXT    NOT NULL,
  pool          TEXT    NOT NULL,
  target        TEXT    NOT NULL,
  note          TEXT    NOT NULL,
  from_offset   INTEGER NOT NULL,
  from_ms       INTEGER NOT NULL,
  to_offset     INTEGER,
  to_ms         INTEGER
);

-- The next offset to project per partition, committed in the same transaction as the rows.
CREATE TABLE checkpoints (
  partition     INTEGER PRIMARY KEY,
  next_offset   INTEGER NOT NULL,
  head_hash     TEXT    NOT NULL
);
