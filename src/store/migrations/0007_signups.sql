-- Issue 12 §2 (floods): one signed body with 10,000 ANMELDEN made 10,000 customers. Sign-ups from unknown numbers are
-- now capped per rolling hour (`[webhook] signups_per_hour`); above it the message is kept for the farmer's review.
-- signup: NULL (no sign-up), 'created' (it made the sender a customer), 'held' (above the cap: no customer, no
-- consent event, no reply). signup_at: when it was applied — the hour is counted by our clock, not the sender's.
ALTER TABLE inbound_messages ADD COLUMN signup TEXT CHECK (signup IN ('created', 'held'));
ALTER TABLE inbound_messages ADD COLUMN signup_at TEXT;
CREATE INDEX inbound_signups ON inbound_messages(signup_at) WHERE signup = 'created';
