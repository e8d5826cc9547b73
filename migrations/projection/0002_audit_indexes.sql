-- Indexes for the auditor's questions (who at T, histories, exports, pool state at T).
-- Forward only: never edit this file once released; add 0003_… instead.

-- who <ip> --at T: per (address, domain), the latest tenancy that began at or before T, found by
-- one descending seek; to_ms is in the index so a CIDR scan filters without reading rows.
-- (from_ms, from_offset) orders tenancies of one address and domain as the log does.
CREATE INDEX tenancies_at ON tenancies (ip_blob, domain, from_ms, from_offset, to_ms);

-- history/export filters, each paired with the start time the answers are ordered by.
CREATE INDEX tenancies_by_container ON tenancies (container_id, from_ms);
CREATE INDEX tenancies_by_node ON tenancies (node, from_ms);
CREATE INDEX tenancies_by_pool ON tenancies (pool, from_ms);
-- Unfiltered exports in order, and time-window-only histories from either end.
CREATE INDEX tenancies_by_start ON tenancies (from_ms, from_partition, from_offset);
CREATE INDEX tenancies_by_end ON tenancies (to_ms);

-- changes --since --until and event exports, in (effective time, position) order.
CREATE INDEX events_by_time_position ON events (effective_ms, partition, "offset");

-- pool-state <pool> --at T: the definition in force at T, and the reservations then.
CREATE INDEX pools_by_name ON pools (pool, effective_ms);
CREATE INDEX reservations_by_pool ON reservations (domain, pool, from_ms);
