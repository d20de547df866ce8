-- Issue 15: fewer bytes written to the SD card per message. Profile of 1,000 messages with 3,000 status webhooks
-- (WAL frames per table, BENCHMARKS.md "Disk per message"): random 64-character hex keys scattered every group
-- commit over most leaf pages of their index (webhook_events_by_hash: 24 of 42 pages per store commit; billed and
-- billed_by_broadcast: 20 of 63 per apply commit), and the raw bodies filled a page per ~6 bodies.
--
-- * webhook_events.body_format: 0 = the body exactly as received (every row from before this version, and bodies an
--   erasure rewrote); 1 = raw deflate primed with hofbote's built-in dictionary v1 (store::webhooks, never changed
--   once shipped: a new dictionary is a new format). Both forms are read back to the identical bytes.
-- * webhook_events.body_hash: the replay key is now a 24-byte BLOB: Meta's event time (8 bytes, big-endian seconds,
--   0 when the body has none) followed by the first 16 bytes of the body's SHA-256. A replay is the same body, so it
--   has the same key; new keys land at the right end of the index instead of on a random leaf. Keys from before this
--   version become 8 zero bytes + their first 16 hash bytes (a replay of such a body is looked up in that form too).
-- * billed: a rowid table with a 16-byte BLOB message_key (first 16 bytes of SHA-256 of the wamid, was 64 hex
--   characters as a WITHOUT ROWID primary key): rows and billed_by_broadcast grow at their right end; only the unique
--   key stays random, at a third of its size. Every row is kept.
ALTER TABLE webhook_events ADD COLUMN body_format INTEGER NOT NULL DEFAULT 0 CHECK (body_format IN (0, 1));
DROP INDEX webhook_events_by_hash;
UPDATE webhook_events SET body_hash = unhex('0000000000000000' || substr(body_hash, 1, 32))
 WHERE body_hash IS NOT NULL;
CREATE UNIQUE INDEX webhook_events_by_key ON webhook_events(body_hash) WHERE body_hash IS NOT NULL;

CREATE TABLE billed_new (
    id            INTEGER PRIMARY KEY,
    message_key   BLOB NOT NULL UNIQUE,
    month         TEXT NOT NULL,
    billed_at     TEXT NOT NULL,
    category      TEXT NOT NULL,
    pricing_type  TEXT NOT NULL DEFAULT '',
    pricing_model TEXT NOT NULL DEFAULT '',
    charged       INTEGER NOT NULL CHECK (charged IN (0, 1)),
    broadcast_id  INTEGER REFERENCES broadcasts(id) ON DELETE SET NULL,
    kind          TEXT
);
INSERT INTO billed_new (message_key, month, billed_at, category, pricing_type, pricing_model, charged, broadcast_id,
                        kind)
SELECT unhex(substr(message_key, 1, 32)), month, billed_at, category, pricing_type, pricing_model, charged,
       broadcast_id, kind
FROM billed ORDER BY billed_at, message_key;
DROP TABLE billed;
ALTER TABLE billed_new RENAME TO billed;
CREATE INDEX billed_by_broadcast ON billed(broadcast_id) WHERE broadcast_id IS NOT NULL;

-- * applied_effects: keyed by (event_at, key) instead of key alone. event_at is Meta's time of a status (seconds; 0
--   for every other effect and for keys from before this version), so the ~3 replay keys per message land at the
--   right end of the table instead of on a random page each: with a month of keys on record, a group of 100 statuses
--   wrote ~100 pages of this table. `key` keeps its text (erasure finds the keys that mention a person in it).
CREATE TABLE applied_effects_new (
    event_at   INTEGER NOT NULL DEFAULT 0,
    key        TEXT NOT NULL,               -- e.g. 'msg:<wamid>' or 'st:<wamid>:<status>'
    applied_at TEXT NOT NULL,
    PRIMARY KEY (event_at, key)
) WITHOUT ROWID;
INSERT INTO applied_effects_new (event_at, key, applied_at) SELECT 0, key, applied_at FROM applied_effects;
DROP TABLE applied_effects;
ALTER TABLE applied_effects_new RENAME TO applied_effects;
