//! Synced WhatsApp templates (table `templates`, UNIQUE(name, language)). A sync replaces the whole set in one
//! transaction: rows that Meta still lists are updated in place (their `id` stays), new ones inserted, and templates
//! that disappeared from Meta are DELETED — the table mirrors Meta, and a template Meta no longer has cannot be sent
//! anyway (132001). Broadcasts refer to templates by name and language, not by row id, so nothing dangles; the diff
//! names every removed template so the caller can report it.
//! `components` holds the components in Meta's shape (the parts hofbote uses). Must not talk HTTP.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Result, Store, StoreError, parse_ts, ts};
use crate::domain::template::{Category, ParameterFormat, Status, Template};

const COLUMNS: &str = "meta_id, name, language, category, status, parameter_format, components";

/// A template's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TemplateKey {
    pub name: String,
    pub language: String,
}

impl TemplateKey {
    pub fn of(t: &Template) -> TemplateKey {
        TemplateKey { name: t.name.clone(), language: t.language.clone() }
    }
}

impl std::fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.language)
    }
}

/// A template that changed in a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateChange {
    pub key: TemplateKey,
    pub status_before: Status,
    pub status_after: Status,
    /// Text, buttons, category or format changed (not only the status).
    pub content_changed: bool,
}

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TemplateDiff {
    pub added: Vec<TemplateKey>,
    pub changed: Vec<TemplateChange>,
    pub removed: Vec<TemplateKey>,
    pub unchanged: usize,
}

/// The columns of [`COLUMNS`] as read.
type RawTemplate = (String, String, String, String, String, String, String);

fn read(r: &Row<'_>) -> rusqlite::Result<RawTemplate> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn build(raw: RawTemplate) -> Result<Template> {
    let (meta_id, name, language, category, status, format, components) = raw;
    let category =
        Category::parse(&category).ok_or_else(|| StoreError::Corrupt(format!("templates.category of {name}")))?;
    let components: serde_json::Value = serde_json::from_str(&components)
        .map_err(|_| StoreError::Corrupt(format!("templates.components of {name}")))?;
    let mut t = Template {
        meta_id,
        name,
        language,
        category,
        status: Status::parse(&status),
        parameter_format: ParameterFormat::parse(&format),
        header: None,
        body: String::new(),
        footer: None,
        buttons: Vec::new(),
        examples: Default::default(),
        header_example: None,
    };
    t.set_components(&components);
    Ok(t)
}

/// A template's review status as Meta reported it (`language` "" means every language of that name).
pub fn set_template_status_tx(tx: &rusqlite::Transaction<'_>, name: &str, language: &str, status: &str) -> Result<()> {
    tx.execute(
        "UPDATE templates SET status = ?3 WHERE name = ?1 AND (language = ?2 OR ?2 = '')",
        params![name, language, status],
    )?;
    Ok(())
}

/// A template's category as Meta changed it (`language` "" means every language of that name).
pub fn set_template_category_tx(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    language: &str,
    category: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE templates SET category = ?3 WHERE name = ?1 AND (language = ?2 OR ?2 = '')",
        params![name, language, category],
    )?;
    Ok(())
}

/// The customers still waiting for a template in each broadcast that can go on (queued rows of broadcasts that
/// are sending, scheduled or paused): (broadcast id, customer id), by broadcast.
pub fn waiting_recipients_tx(conn: &rusqlite::Connection, name: &str, language: &str) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.broadcast_id, o.customer_id FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id
         WHERE b.template_name = ?1 AND (b.language = ?2 OR ?2 = '') AND o.state = 'queued'
           AND o.customer_id IS NOT NULL AND b.state IN ('sending', 'scheduled', 'paused')
         ORDER BY o.broadcast_id, o.id",
    )?;
    let rows = stmt.query_map(params![name, language], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// When each template last went out (the latest row WhatsApp accepted), by name and language. Rows removed by
    /// the retention sweep (`[privacy] message_retention_days`, one year by default) no longer count.
    pub fn templates_last_used(&self) -> Result<HashMap<TemplateKey, chrono::DateTime<chrono::Utc>>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.template_name, b.language, max(coalesce(o.accepted_at, o.inflight_at)) FROM outbox o
             JOIN broadcasts b ON b.id = o.broadcast_id
             WHERE o.state IN ('accepted', 'delivered', 'read') GROUP BY b.template_name, b.language",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))?;
        let mut out = HashMap::new();
        for row in rows {
            let (name, language, at) = row?;
            if let Some(at) = at {
                out.insert(TemplateKey { name, language }, parse_ts(&at)?);
            }
        }
        Ok(out)
    }

    /// Replaces the stored templates with `templates` in one transaction and returns what changed.
    /// Duplicates of the same (name, language) in `templates`: the last one wins.
    pub fn replace_templates(&mut self, templates: &[Template]) -> Result<TemplateDiff> {
        let now = ts(self.now());
        let tx = self.conn.transaction()?;
        let before: HashMap<TemplateKey, Template> = {
            let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM templates"))?;
            let rows = stmt.query_map([], read)?;
            let mut map = HashMap::new();
            for row in rows {
                let t = build(row?)?;
                map.insert(TemplateKey::of(&t), t);
            }
            map
        };
        let mut incoming: Vec<(TemplateKey, &Template)> = Vec::new();
        for t in templates {
            let key = TemplateKey::of(t);
            incoming.retain(|(k, _)| *k != key);
            incoming.push((key, t));
        }
        let mut diff = TemplateDiff::default();
        {
            let mut upsert = tx.prepare(
                "INSERT INTO templates (meta_id, name, language, category, status, parameter_format, components,
                                        quick_replies, synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (name, language) DO UPDATE SET
                    meta_id = excluded.meta_id, category = excluded.category, status = excluded.status,
                    parameter_format = excluded.parameter_format, components = excluded.components,
                    quick_replies = excluded.quick_replies, synced_at = excluded.synced_at",
            )?;
            for (key, t) in &incoming {
                let components = t.components_json().to_string();
                let quick = serde_json::to_string(&t.quick_reply_labels()).unwrap_or_else(|_| "[]".into());
                upsert.execute(params![
                    t.meta_id,
                    t.name,
                    t.language,
                    t.category.as_meta(),
                    t.status.as_meta(),
                    t.parameter_format.as_meta(),
                    components,
                    quick,
                    now
                ])?;
                // Compare what is stored, i.e. after the same normalisation.
                let stored = build((
                    t.meta_id.clone(),
                    t.name.clone(),
                    t.language.clone(),
                    t.category.as_meta().into(),
                    t.status.as_meta().into(),
                    t.parameter_format.as_meta().into(),
                    t.components_json().to_string(),
                ))?;
                match before.get(key) {
                    None => diff.added.push(key.clone()),
                    Some(old) if *old == stored => diff.unchanged += 1,
                    Some(old) => {
                        let same_content = Template { status: stored.status.clone(), ..old.clone() } == stored;
                        diff.changed.push(TemplateChange {
                            key: key.clone(),
                            status_before: old.status.clone(),
                            status_after: stored.status.clone(),
                            content_changed: !same_content,
                        });
                    }
                }
            }
            let mut delete = tx.prepare("DELETE FROM templates WHERE name = ?1 AND language = ?2")?;
            let mut gone: Vec<&TemplateKey> =
                before.keys().filter(|k| !incoming.iter().any(|(key, _)| key == *k)).collect();
            gone.sort();
            for key in gone {
                delete.execute(params![key.name, key.language])?;
                diff.removed.push(key.clone());
            }
        }
        tx.commit()?;
        diff.added.sort();
        diff.changed.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(diff)
    }

    /// All stored templates, by name and language.
    pub fn templates(&self) -> Result<Vec<Template>> {
        self.query_templates("", [])
    }

    /// Only the templates that can be sent.
    pub fn approved_templates(&self) -> Result<Vec<Template>> {
        self.query_templates("WHERE status = ?1", ["APPROVED"])
    }

    /// One template by name and language code.
    pub fn template(&self, name: &str, language: &str) -> Result<Option<Template>> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM templates WHERE name = ?1 AND language = ?2"),
                params![name, language],
                read,
            )
            .optional()?;
        raw.map(build).transpose()
    }

    /// When the templates were last synced (None before the first sync, or when Meta had none).
    pub fn templates_synced_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let at: Option<String> = self.conn.query_row("SELECT max(synced_at) FROM templates", [], |r| r.get(0))?;
        at.as_deref().map(parse_ts).transpose()
    }

    fn query_templates<P: rusqlite::Params>(&self, filter: &str, params: P) -> Result<Vec<Template>> {
        // `filter` is one of the fixed strings above, never data.
        let mut stmt =
            self.conn.prepare(&format!("SELECT {COLUMNS} FROM templates {filter} ORDER BY name, language"))?;
        let rows = stmt.query_map(params, read)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(build(row?)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use chrono::TimeZone;
    use serde_json::json;
    use std::sync::Arc;

    fn tpl(name: &str, lang: &str, status: &str, body: &str) -> Template {
        Template::from_meta(&json!({
            "name": name, "language": lang, "category": "MARKETING", "status": status, "id": format!("id-{name}"),
            "components": [{"type": "BODY", "text": body}, {"type": "FOOTER", "text": "Abmelden: STOP"},
                           {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Keine Angebote mehr"}]}]
        }))
        .unwrap()
    }

    fn store() -> (Store, ManualClock) {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap());
        (Store::open_in_memory(Arc::new(clock.clone())).unwrap(), clock)
    }

    #[test]
    fn sync_adds_updates_and_removes_in_one_go() {
        let (mut s, clock) = store();
        assert_eq!(s.templates_synced_at().unwrap(), None);
        let first = vec![
            tpl("a", "de", "APPROVED", "A {{1}}"),
            tpl("b", "de", "PENDING", "B"),
            tpl("c", "de", "APPROVED", "C"),
        ];
        let d = s.replace_templates(&first).unwrap();
        assert_eq!(d.added.len(), 3);
        assert_eq!(s.templates().unwrap(), first);
        assert_eq!(s.templates_synced_at().unwrap(), Some(clock.now()));

        clock.advance(chrono::Duration::hours(1));
        let second = vec![
            tpl("a", "de", "APPROVED", "A {{1}}"),
            tpl("b", "de", "APPROVED", "B"),
            tpl("d", "en", "REJECTED", "D"),
        ];
        let d = s.replace_templates(&second).unwrap();
        assert_eq!(d.unchanged, 1);
        assert_eq!(d.added, vec![TemplateKey { name: "d".into(), language: "en".into() }]);
        assert_eq!(d.removed, vec![TemplateKey { name: "c".into(), language: "de".into() }]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(
            (d.changed[0].status_before.clone(), d.changed[0].status_after.clone()),
            (Status::Pending, Status::Approved)
        );
        assert!(!d.changed[0].content_changed);
        assert_eq!(s.templates().unwrap(), second);
        assert_eq!(s.approved_templates().unwrap().iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(s.template("b", "de").unwrap(), Some(second[1].clone()));
        assert_eq!(s.template("b", "en").unwrap(), None);
        let quick: String =
            s.conn().query_row("SELECT quick_replies FROM templates WHERE name = 'a'", [], |r| r.get(0)).unwrap();
        assert_eq!(quick, r#"["Keine Angebote mehr"]"#);

        let d = s.replace_templates(&[]).unwrap();
        assert_eq!(d.removed.len(), 3);
        assert!(s.templates().unwrap().is_empty());
    }

    #[test]
    fn content_changes_are_reported() {
        let (mut s, _) = store();
        s.replace_templates(&[tpl("a", "de", "APPROVED", "alt")]).unwrap();
        let d = s.replace_templates(&[tpl("a", "de", "APPROVED", "neu"), tpl("a", "de", "PAUSED", "neu")]).unwrap();
        assert_eq!(d.changed.len(), 1, "duplicate keys: the last wins");
        assert!(d.changed[0].content_changed);
        assert_eq!(d.changed[0].status_after, Status::Paused);
    }
}
