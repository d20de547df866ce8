-- hofbote schema, version 1. Never edit this file once shipped: add a new numbered migration instead.

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    first_name  TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL UNIQUE,          -- E.164 with '+'
    user_id     TEXT UNIQUE,                   -- WhatsApp business-scoped user id, when known
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,                 -- RFC 3339 UTC
    updated_at  TEXT NOT NULL
);

CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX customer_tags_by_tag ON customer_tags(tag);

-- Consent wordings: the exact sentence a customer agreed to. Never edited: a new version instead.
CREATE TABLE consent_wordings (
    purpose     TEXT NOT NULL CHECK (purpose IN ('service', 'marketing')),
    version     INTEGER NOT NULL CHECK (version >= 1),
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (purpose, version)
);
CREATE TRIGGER consent_wordings_no_update BEFORE UPDATE ON consent_wordings
BEGIN SELECT RAISE(ABORT, 'consent_wordings are never edited: add a new version'); END;
CREATE TRIGGER consent_wordings_no_delete BEFORE DELETE ON consent_wordings
BEGIN SELECT RAISE(ABORT, 'consent_wordings are never deleted'); END;

-- The one switch that lets the sanctioned erasure path touch the ledger. It is opened and closed inside the same
-- transaction, so no other connection ever sees it open.
CREATE TABLE erasure_gate (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    open  INTEGER NOT NULL DEFAULT 0 CHECK (open IN (0, 1))
);
INSERT INTO erasure_gate (id, open) VALUES (1, 0);

-- The append-only consent ledger.
CREATE TABLE consent_events (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER REFERENCES customers(id),      -- NULL once pseudonymised
    subject_hash    TEXT,                                  -- keyed hash of the number after erasure
    purpose         TEXT NOT NULL CHECK (purpose IN ('service', 'marketing')),
    kind            TEXT NOT NULL CHECK (kind IN ('granted', 'withdrawn', 'confirmation_requested',
                                                  'confirmation_expired', 'platform_resume')),
    source          TEXT NOT NULL CHECK (source IN ('shop_form', 'whatsapp_keyword', 'whatsapp_button',
                                                    'meta_user_preferences', 'delivery_error', 'import', 'manual')),
    evidence        TEXT NOT NULL DEFAULT '',
    wording_version INTEGER,
    recorded_by     TEXT NOT NULL,
    occurred_at     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    CHECK (customer_id IS NOT NULL OR subject_hash IS NOT NULL)
);
CREATE INDEX consent_events_by_customer ON consent_events(customer_id, purpose);
CREATE INDEX consent_events_by_recorded ON consent_events(recorded_at);
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
WHEN (SELECT open FROM erasure_gate WHERE id = 1) = 0
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
WHEN (SELECT open FROM erasure_gate WHERE id = 1) = 0
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;

-- The state folded from the ledger, kept in the same transaction as each event (for fast lists).
CREATE TABLE consent_state (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('service', 'marketing')),
    state       TEXT NOT NULL CHECK (state IN ('none', 'pending', 'granted', 'withdrawn')),
    since       TEXT,
    PRIMARY KEY (customer_id, purpose)
) WITHOUT ROWID;

-- Keyed hashes of erased people who had objected: a later import must not silently add them back.
CREATE TABLE suppression (
    subject_hash TEXT NOT NULL,
    purpose      TEXT NOT NULL CHECK (purpose IN ('service', 'marketing')),
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (subject_hash, purpose)
) WITHOUT ROWID;

-- WhatsApp templates as synced from Meta.
CREATE TABLE templates (
    id               INTEGER PRIMARY KEY,
    meta_id          TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL,
    language         TEXT NOT NULL,
    category         TEXT NOT NULL,             -- MARKETING | UTILITY | AUTHENTICATION
    status           TEXT NOT NULL,             -- APPROVED | PENDING | REJECTED | PAUSED | DISABLED | …
    parameter_format TEXT NOT NULL DEFAULT 'POSITIONAL',
    components       TEXT NOT NULL,             -- JSON as Meta sends it
    quick_replies    TEXT NOT NULL DEFAULT '[]',-- JSON array of quick-reply labels
    synced_at        TEXT NOT NULL,
    UNIQUE (name, language)
);

-- A broadcast: one message to many customers.
CREATE TABLE broadcasts (
    id            INTEGER PRIMARY KEY,
    template_name TEXT NOT NULL,
    language      TEXT NOT NULL,
    params        TEXT NOT NULL DEFAULT '[]',   -- JSON: parameter values with placeholders
    audience      TEXT NOT NULL DEFAULT '{}',   -- JSON: all | tags | list
    state         TEXT NOT NULL CHECK (state IN ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    state_reason  TEXT NOT NULL DEFAULT '',
    scheduled_at  TEXT,
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One row per recipient of a broadcast (or per single message).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    broadcast_id     INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    customer_id      INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    phone            TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('marketing', 'service', 'reply_in_window')),
    payload          TEXT NOT NULL DEFAULT '{}', -- JSON: rendered parameters or text
    state            TEXT NOT NULL CHECK (state IN ('queued', 'inflight', 'accepted', 'delivered', 'read',
                                                    'failed', 'unknown', 'cancelled', 'skipped')),
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
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_by_customer ON outbox(customer_id, state);

-- Raw webhook bodies, stored before the 200 is sent, then applied.
CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    body        BLOB NOT NULL,
    applied_at  TEXT,
    error       TEXT
);
CREATE INDEX webhook_events_unapplied ON webhook_events(applied_at) WHERE applied_at IS NULL;

-- Effects already applied, so a replayed webhook changes nothing twice.
CREATE TABLE applied_effects (
    key        TEXT PRIMARY KEY,                -- e.g. 'msg:<wamid>' or 'status:<wamid>:<status>'
    applied_at TEXT NOT NULL
) WITHOUT ROWID;

-- Messages customers sent us.
CREATE TABLE inbound_messages (
    id           INTEGER PRIMARY KEY,
    wamid        TEXT NOT NULL UNIQUE,
    customer_id  INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    from_phone   TEXT,
    user_id      TEXT,
    kind         TEXT NOT NULL,                 -- text | button | interactive | other
    text         TEXT NOT NULL DEFAULT '',
    received_at  TEXT NOT NULL,
    read_at      TEXT,
    flagged_stop INTEGER NOT NULL DEFAULT 0,
    is_keyword   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbound_by_customer ON inbound_messages(customer_id, received_at);

-- Who did what when (never whom, for erasures).
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

-- Alerts that stop sending until resolved (token expired, account blocked).
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    code        INTEGER,
    message     TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    resolved_at TEXT
);

-- Small facts the processes share (e.g. when the last webhook arrived).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
