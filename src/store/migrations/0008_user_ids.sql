-- Issue 14 §4: since 2026 a WhatsApp user with a username may reach the shop with a business-scoped user id (BSUID,
-- e.g. `US.13491208655302741918`) and no number. Such a person is a customer like anyone else.
-- * customers rebuilt (SQLite cannot drop a NOT NULL): `phone` may be NULL when `user_id` is present — never both
--   missing; both stay unique (NULLs never collide). Every column, row and id is kept.
-- * outbox: `phone` holds the row's recipient as it is sent — E.164 with '+' for a number, else the BSUID (a BSUID
--   never starts with '+'). It is already NOT NULL TEXT, so rows and their indexes (pair limit, tier count) need no
--   rebuild; the writers fill it with coalesce(customers.phone, customers.user_id).
-- This file runs with foreign keys off (see migrate.rs): with them on, dropping the old customers table would
-- cascade-delete every tag, outbox row and inbound message. The runner checks all foreign keys before it commits.
CREATE TABLE customers_new (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    first_name          TEXT NOT NULL DEFAULT '',
    phone               TEXT UNIQUE,                   -- E.164 with '+'; NULL for a person known only by user id
    user_id             TEXT UNIQUE,                   -- WhatsApp business-scoped user id, when known
    note                TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,                 -- RFC 3339 UTC
    updated_at          TEXT NOT NULL,
    phone_national      TEXT NOT NULL DEFAULT '',
    phone_international TEXT NOT NULL DEFAULT '',
    phone_region        TEXT NOT NULL DEFAULT '',
    CHECK (phone IS NOT NULL OR user_id IS NOT NULL)
);
INSERT INTO customers_new (id, name, first_name, phone, user_id, note, created_at, updated_at, phone_national,
                           phone_international, phone_region)
SELECT id, name, first_name, phone, user_id, note, created_at, updated_at, phone_national, phone_international,
       phone_region
FROM customers;
DROP TABLE customers;
ALTER TABLE customers_new RENAME TO customers;
