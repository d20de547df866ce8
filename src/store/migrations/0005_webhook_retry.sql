-- Issue 12, fault 2: a stored webhook body whose application failed (a short disk-full) was never applied again, and
-- the send queue did not know that consent news for a person was waiting.
-- Failed bodies are now retried with backoff: how often it was tried and when the next try is due.
ALTER TABLE webhook_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_events ADD COLUMN next_attempt_at TEXT;
-- A body our parser cannot read can never apply: it is kept, never retried on its own, shown as an alert, and pauses
-- marketing until the farmer has looked at it (`hofbote db dismiss-webhook`), which sets dismissed_at.
ALTER TABLE webhook_events ADD COLUMN unreadable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_events ADD COLUMN dismissed_at TEXT;
-- SHA-256 (hex) of the raw body: a replayed delivery of the same signed body is stored once. Rows stored before
-- this migration keep NULL (NULLs never collide in a unique index).
ALTER TABLE webhook_events ADD COLUMN body_hash TEXT;
CREATE UNIQUE INDEX webhook_events_by_hash ON webhook_events(body_hash) WHERE body_hash IS NOT NULL;

-- Whom a stored, not yet applied body may concern: the sender's number (E.164, as in outbox.phone) or business-scoped
-- user id of inbound messages and marketing-preference changes. Written in the same transaction as the body, deleted
-- in the same transaction that applies it, so the send queue's claim can skip these people with one indexed lookup:
-- consent news always goes before sending. kind 'unknown' (value '') marks a body whose subjects cannot be read;
-- while one exists, no marketing message is claimed.
CREATE TABLE webhook_subjects (
    event_id INTEGER NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('phone', 'user', 'unknown')),
    value    TEXT NOT NULL,
    PRIMARY KEY (value, event_id)
) WITHOUT ROWID;
CREATE INDEX webhook_subjects_by_event ON webhook_subjects(event_id);

-- Bodies waiting from before this migration: their subjects were never written, so they pause marketing until the
-- service has applied them (at its next start).
INSERT INTO webhook_subjects (event_id, kind, value)
    SELECT id, 'unknown', '' FROM webhook_events WHERE applied_at IS NULL;

-- An erasure rewrites the bodies that mention the person (privacy::erase); their number and user id must not stay
-- behind here. Subjects that no longer occur in the rewritten body go with it; other people's stay.
CREATE TRIGGER webhook_subjects_follow_body AFTER UPDATE OF body ON webhook_events
BEGIN
    DELETE FROM webhook_subjects
     WHERE event_id = NEW.id AND kind <> 'unknown' AND instr(CAST(NEW.body AS TEXT), ltrim(value, '+')) = 0;
END;
