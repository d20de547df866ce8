-- The claim checks the last message to the same number (Meta's pair limit) for every row it claims; without this
-- index that was a scan of the whole outbox per row.
CREATE INDEX outbox_by_phone ON outbox(phone, inflight_at);
-- Meta's tier counts first contacts per number over a rolling day.
CREATE INDEX outbox_by_inflight ON outbox(inflight_at) WHERE inflight_at IS NOT NULL;
