-- The outbox rebuilt for the send path of issue 12:
-- * `token`: a random value per row, sent to Meta as `biz_opaque_callback_data` and written to the send journal
--   beside the database. Row ids are reused after a backup is restored (INTEGER PRIMARY KEY), so an id could land a
--   late status or a journal line on a new row; a token cannot. Rows from before this version keep a token derived
--   from their id (`legacy-<id>`), which is what Meta echoes for them (the callback data was the id then).
-- * state `restored`: a row that was queued, in flight or unclear when the backup was taken and that the send journal
--   cannot settle — "unklar nach Wiederherstellung", never sent again without the farmer's decision.
-- * state `held`: room for Meta's 2026 "held for quality" answer, a row event of the same transition.
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY,
    token            TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))),
    broadcast_id     INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    customer_id      INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    phone            TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('marketing', 'service', 'reply_in_window')),
    payload          TEXT NOT NULL DEFAULT '{}', -- JSON: rendered parameters or text
    state            TEXT NOT NULL CHECK (state IN ('queued', 'inflight', 'accepted', 'delivered', 'read',
                                                    'failed', 'unknown', 'cancelled', 'skipped', 'restored',
                                                    'held')),
    reason           TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    wamid            TEXT UNIQUE,
    error_code       INTEGER,
    pricing_category TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    inflight_at      TEXT,
    accepted_at      TEXT,
    delivered_at     TEXT,
    read_at          TEXT,
    UNIQUE (broadcast_id, customer_id)
);
INSERT INTO outbox_new (id, token, broadcast_id, customer_id, phone, kind, payload, state, reason, attempts,
                        next_attempt_at, wamid, error_code, pricing_category, created_at, updated_at, inflight_at,
                        accepted_at, delivered_at, read_at)
SELECT id, 'legacy-' || id, broadcast_id, customer_id, phone, kind, payload, state, reason, attempts,
       next_attempt_at, wamid, error_code, pricing_category, created_at, updated_at, inflight_at,
       accepted_at, delivered_at, read_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_by_customer ON outbox(customer_id, state);
CREATE INDEX outbox_by_phone ON outbox(phone, inflight_at);
CREATE INDEX outbox_by_inflight ON outbox(inflight_at) WHERE inflight_at IS NOT NULL;

-- When the image inside a backup was taken (written into the in-memory copy only, never into the live file): the
-- restore compares it with the start of the send journal.
CREATE TABLE backup_info (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    taken_at TEXT NOT NULL
);
