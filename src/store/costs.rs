//! What Meta billed (table `billed`): recording the `pricing` of a status once per message, and reading it back per
//! month and per broadcast beside the rows hofbote sent (the estimate). One `INSERT OR IGNORE` per status carrying
//! pricing and nothing else: the first one inserts, later statuses of the same message and replays write nothing.
//! Keyed by a hash of the wamid (wamids carry the recipient's number; this record outlives erasures): its first 16
//! bytes as a BLOB (migration 10; a third of the 64 hex characters before, in a rowid table that grows at its end).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Transaction, params};
use sha2::{Digest, Sha256};

use super::rows::token_of_callback;
use super::{Result, Store, parse_ts, ts};
use crate::domain::broadcast::costs::CostLine;
use crate::whatsapp::payload::StatusEvent;

/// The key of a message in `billed`: the first 16 bytes of the SHA-256 of the wamid.
fn message_key(wamid: &str) -> Vec<u8> {
    Sha256::digest(wamid.as_bytes())[..16].to_vec()
}

/// `2026-11` of a time, in Europe/Berlin.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Berlin).format("%Y-%m").to_string()
}

/// Records what Meta billed for the status's message, the first time a status of it carries `pricing`; links the
/// outbox row (by wamid, else by the token in the callback data) when it is one of ours. Returns true when this
/// status was the first with pricing.
pub fn record_billed_tx(tx: &Transaction<'_>, st: &StatusEvent, now: DateTime<Utc>) -> Result<bool> {
    let Some(p) = &st.pricing else { return Ok(false) };
    // Meta's time of the status; one from the future (a wrong clock) counts as now.
    let at = st
        .timestamp
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .filter(|t| *t <= now + chrono::Duration::minutes(5))
        .unwrap_or(now);
    let token = st.callback_data.as_deref().map(token_of_callback);
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO billed
             (message_key, month, billed_at, category, pricing_type, pricing_model, charged, broadcast_id, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
             (SELECT broadcast_id FROM outbox WHERE wamid = ?8 OR token = ?9 ORDER BY wamid IS ?8 DESC LIMIT 1),
             (SELECT kind FROM outbox WHERE wamid = ?8 OR token = ?9 ORDER BY wamid IS ?8 DESC LIMIT 1))",
        params![
            message_key(&st.wamid),
            month_of(at),
            ts(at),
            p.category.as_deref().unwrap_or(""),
            p.kind.as_deref().unwrap_or(""),
            p.pricing_model.as_deref().unwrap_or(""),
            p.charged(),
            st.wamid,
            token,
        ],
    )?;
    Ok(inserted == 1)
}

type Key = (String, Option<i64>, Option<String>);

fn entry(
    lines: &mut BTreeMap<Key, CostLine>,
    month: String,
    broadcast_id: Option<i64>,
    kind: Option<String>,
) -> &mut CostLine {
    lines.entry((month.clone(), broadcast_id, kind.clone())).or_insert_with(|| CostLine {
        month,
        broadcast_id,
        kind,
        ..CostLine::default()
    })
}

impl Store {
    /// One broadcast's costs over all months: rows sent (per kind; a broadcast has one) and billed per category.
    pub fn broadcast_costs(&self, broadcast_id: i64) -> Result<CostLine> {
        let mut line = CostLine { broadcast_id: Some(broadcast_id), ..CostLine::default() };
        let mut stmt = self.conn.prepare(
            "SELECT kind, count(*) FROM outbox WHERE broadcast_id = ?1 AND state IN ('accepted', 'delivered', 'read')
             AND accepted_at IS NOT NULL GROUP BY kind",
        )?;
        for row in stmt.query_map([broadcast_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (kind, n) = row?;
            line.kind = Some(kind);
            line.sent += n;
        }
        let mut stmt = self
            .conn
            .prepare("SELECT category, charged, count(*) FROM billed WHERE broadcast_id = ?1 GROUP BY 1, 2")?;
        for row in
            stmt.query_map([broadcast_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, i64>(2)?)))?
        {
            let (category, charged, n) = row?;
            if charged {
                *line.billed.entry(category).or_default() += n;
            } else {
                line.not_charged += n;
            }
        }
        Ok(line)
    }

    /// The cost view: per month (newest first) and per broadcast, then the replies and what cannot be linked; only
    /// `month` (`2026-11`) when given.
    pub fn costs(&self, month: Option<&str>) -> Result<Vec<CostLine>> {
        let mut lines: BTreeMap<Key, CostLine> = BTreeMap::new();
        // Rows sent (the estimate's count), by the month they were sent in.
        let mut stmt = self.conn.prepare(
            "SELECT broadcast_id, kind, accepted_at FROM outbox
             WHERE state IN ('accepted', 'delivered', 'read') AND accepted_at IS NOT NULL",
        )?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut sent: Vec<(String, Option<i64>, String)> = Vec::new();
        for row in rows {
            let (broadcast_id, kind, at) = row?;
            sent.push((month_of(parse_ts(&at)?), broadcast_id, kind));
        }
        drop(stmt);
        let mut stmt = self.conn.prepare(
            "SELECT month, broadcast_id, kind, category, charged, count(*) FROM billed
             WHERE ?1 IS NULL OR month = ?1 GROUP BY 1, 2, 3, 4, 5",
        )?;
        let billed = stmt
            .query_map([month], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        let templates: HashMap<i64, String> = {
            let mut stmt = self.conn.prepare("SELECT id, template_name FROM broadcasts")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        for (m, b, kind) in sent {
            if month.is_none_or(|want| want == m) {
                entry(&mut lines, m, b, Some(kind)).sent += 1;
            }
        }
        for (m, b, kind, category, charged, n) in billed {
            let l = entry(&mut lines, m, b, kind);
            if charged {
                *l.billed.entry(category).or_default() += n;
            } else {
                l.not_charged += n;
            }
        }
        let mut out: Vec<CostLine> = lines.into_values().collect();
        for l in &mut out {
            l.template = l.broadcast_id.and_then(|id| templates.get(&id).cloned());
        }
        // Newest month first; within a month broadcasts by number, then replies, then what is not linked.
        out.sort_by(|a, b| {
            b.month.cmp(&a.month).then_with(|| {
                let rank = |l: &CostLine| (l.broadcast_id.is_none(), l.kind.is_none(), l.broadcast_id, l.kind.clone());
                rank(a).cmp(&rank(b))
            })
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::phone::Region;
    use crate::webhook::apply::{ApplyContext, apply_events};
    use crate::whatsapp::payload::parse;

    fn store() -> Store {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()));
        Store::open_in_memory(clock).unwrap()
    }

    /// Applies a webhook body the way `serve` does (parse, then apply in one transaction).
    fn apply(store: &mut Store, body: &serde_json::Value) {
        let events = parse(body.to_string().as_bytes()).unwrap();
        let ctx = ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 0 };
        let now = store.now();
        let tx = store.conn_mut().transaction().unwrap();
        apply_events(&tx, &events, &ctx, now).unwrap();
        tx.commit().unwrap();
    }

    fn status(wamid: &str, status: &str, pricing: serde_json::Value) -> serde_json::Value {
        let mut st = serde_json::json!({"id": wamid, "status": status, "timestamp": "1795766400",
            "recipient_id": "491711234567"});
        if !pricing.is_null() {
            st["pricing"] = pricing;
        }
        serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
            "value": {"messaging_product": "whatsapp", "statuses": [st]}}]}]})
    }

    fn pricing(billable: bool, category: &str, kind: &str) -> serde_json::Value {
        serde_json::json!({"billable": billable, "pricing_model": "PMP", "category": category, "type": kind})
    }

    /// (month, category, charged, broadcast, kind) of every billed row.
    type BilledRow = (String, String, bool, Option<i64>, Option<String>);

    fn billed(store: &Store) -> Vec<BilledRow> {
        let mut stmt = store
            .conn()
            .prepare("SELECT month, category, charged, broadcast_id, kind FROM billed ORDER BY category")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn pricing_on_several_statuses_of_one_message_counts_once_and_the_first_one_decides() {
        let mut s = store();
        apply(&mut s, &status("wamid.A", "sent", pricing(true, "utility", "regular")));
        // Meta sends pricing again on delivered or read; a different block there changes nothing.
        apply(&mut s, &status("wamid.A", "delivered", pricing(true, "marketing", "regular")));
        apply(&mut s, &status("wamid.A", "read", pricing(false, "service", "free_customer_service")));
        assert_eq!(billed(&s), vec![("2026-11".into(), "utility".into(), true, None, None)]);
    }

    #[test]
    fn the_sdk_recorded_statuses_with_pricing_on_sent_delivered_and_read_are_one_message() {
        let mut s = store();
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/webhooks/pywa-2026/message_status.json")).unwrap();
        for kind in ["sent", "delivered", "read"] {
            apply(&mut s, &fixture[kind]);
        }
        let rows = billed(&s);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((rows[0].1.as_str(), rows[0].2), ("service", true));
    }

    #[test]
    fn a_replayed_webhook_writes_nothing() {
        let mut s = store();
        let body = status("wamid.R", "sent", pricing(true, "marketing", "regular"));
        apply(&mut s, &body);
        apply(&mut s, &body);
        assert_eq!(billed(&s).len(), 1);
        // The replay is a duplicate as a whole: no row of billed (nor anything else but the stored effects) moves.
        let events = parse(body.to_string().as_bytes()).unwrap();
        let crate::whatsapp::payload::WebhookEvent::Status(st) = &events[0] else { panic!() };
        let now = s.now();
        let tx = s.conn_mut().transaction().unwrap();
        assert!(!record_billed_tx(&tx, st, now).unwrap(), "the second time is not the first");
        assert_eq!(tx.changes(), 0);
    }

    #[test]
    fn free_entry_point_and_billable_false_are_not_charged() {
        let mut s = store();
        apply(&mut s, &status("wamid.F", "sent", pricing(true, "marketing", "free_entry_point")));
        apply(&mut s, &status("wamid.G", "sent", pricing(false, "service", "regular")));
        apply(&mut s, &status("wamid.H", "sent", serde_json::Value::Null));
        let rows = billed(&s);
        assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), [false, false], "{rows:?}");
        let lines = s.costs(None).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].billed_count(), lines[0].not_charged, lines[0].kind.clone()), (0, 2, None));
    }

    #[test]
    fn billed_messages_are_linked_to_their_broadcast_and_kind_beside_the_estimate() {
        let mut s = store();
        let now = ts(s.now());
        s.conn()
            .execute_batch(&format!(
                "INSERT INTO broadcasts (id, template_name, language, state, created_at, updated_at)
                     VALUES (7, 'wochenangebot', 'de', 'sending', '{now}', '{now}');
                 INSERT INTO outbox (broadcast_id, phone, kind, state, wamid, token, created_at, updated_at, accepted_at)
                     VALUES (7, '+491711234567', 'marketing', 'delivered', 'wamid.M1', 't1', '{now}', '{now}', '{now}'),
                            (7, '+491711234568', 'marketing', 'accepted', 'wamid.M2', 't2', '{now}', '{now}', '{now}'),
                            (NULL, '+491711234569', 'reply_in_window', 'accepted', NULL, 't3', '{now}', '{now}', '{now}');"
            ))
            .unwrap();
        apply(&mut s, &status("wamid.M1", "sent", pricing(true, "marketing", "regular")));
        // A status that overtook the send response: found by the token in the callback data.
        let mut by_token = status("wamid.R3", "sent", pricing(true, "service", "regular"));
        by_token["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = "t3".into();
        apply(&mut s, &by_token);
        let lines = s.costs(Some("2026-11")).unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        let (b, r) = (&lines[0], &lines[1]);
        assert_eq!(
            (b.broadcast_id, b.template.as_deref(), b.kind.as_deref()),
            (Some(7), Some("wochenangebot"), Some("marketing"))
        );
        assert_eq!((b.sent, b.billed_count()), (2, 1));
        assert_eq!((r.broadcast_id, r.kind.as_deref(), r.sent), (None, Some("reply_in_window"), 1));
        assert_eq!(r.billed.get("service"), Some(&1));
        assert!(s.costs(Some("2026-10")).unwrap().is_empty());
        let one = s.broadcast_costs(7).unwrap();
        assert_eq!((one.kind.as_deref(), one.sent, one.billed.get("marketing")), (Some("marketing"), 2, Some(&1)));
        // The record holds no wamid (wamids carry the number): only its hash.
        let keys: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM billed WHERE message_key LIKE 'wamid%'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(keys, 0);
    }
}
