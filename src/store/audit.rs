//! The audit log: who did what when. Erasures are recorded without naming the person.

use rusqlite::params;

use super::{Result, Store, parse_ts, ts};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Appends an audit entry on any connection or inside the caller's transaction.
pub fn audit_tx(
    conn: &rusqlite::Connection,
    actor: &str,
    action: &str,
    detail: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![ts(now), actor, action, detail],
    )?;
    Ok(())
}

impl Store {
    pub fn audit(&mut self, actor: &str, action: &str, detail: &str) -> Result<()> {
        audit_tx(&self.conn, actor, action, detail, self.now())
    }

    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt =
            self.conn.prepare("SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (at, actor, action, detail) = row?;
            out.push(AuditEntry { at: parse_ts(&at)?, actor, action, detail });
        }
        Ok(out)
    }
}
