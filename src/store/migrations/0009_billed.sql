-- Issue 14 §2: what Meta billed, from the `pricing` block of status webhooks (since 1 Oct 2026 replies too). One row
-- per message: the first status carrying pricing inserts it (INSERT OR IGNORE on message_key), later statuses of the
-- same message and replayed webhooks change nothing.
-- message_key is the SHA-256 of the wamid, not the wamid: Meta's wamids carry the recipient's number, and this table
-- is the shop's cost record that outlives a customer's erasure — so it holds nothing that points to a person.
-- broadcast_id / kind: the outbox row's, when the message is one of hofbote's (NULL otherwise).
-- month: YYYY-MM of the status's time in Europe/Berlin. charged: hofbote's reading of `billable` and `type`
-- (free_entry_point, free_customer_service and billable false are not charged).
CREATE TABLE billed (
    message_key   TEXT PRIMARY KEY,
    month         TEXT NOT NULL,
    billed_at     TEXT NOT NULL,
    category      TEXT NOT NULL,
    pricing_type  TEXT NOT NULL DEFAULT '',
    pricing_model TEXT NOT NULL DEFAULT '',
    charged       INTEGER NOT NULL CHECK (charged IN (0, 1)),
    broadcast_id  INTEGER REFERENCES broadcasts(id) ON DELETE SET NULL,
    kind          TEXT
) WITHOUT ROWID;
CREATE INDEX billed_by_broadcast ON billed(broadcast_id) WHERE broadcast_id IS NOT NULL;
