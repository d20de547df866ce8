-- hofbote schema, version 2: when each erased person's pseudonymised ledger rows may finally be deleted.
-- One row per erased subject (keyed hash, never the number). The retention sweep deletes the ledger rows and this row
-- once keep_until has passed (end of the limitation period, config [privacy] pseudonymised_ledger_years).
CREATE TABLE erasures (
    subject_hash TEXT PRIMARY KEY,
    erased_at    TEXT NOT NULL,
    keep_until   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX erasures_by_keep_until ON erasures(keep_until);
