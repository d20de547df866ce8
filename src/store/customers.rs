//! Customers and their tags: insert, update, find, list with folded consent state, and import in one transaction.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{Result, Store, StoreError, parse_ts, ts};
use crate::domain::consent::ConsentState;
use crate::domain::customer::{ConsentPair, Customer, CustomerDraft, CustomerRow};
use crate::domain::fold::name_key;
use crate::domain::phone::{Formats, Phone};

const COLUMNS: &str = "id, name, first_name, phone, user_id, note, created_at, updated_at, phone_national, phone_international, phone_region";

struct RawCustomer {
    id: i64,
    name: String,
    first_name: String,
    phone: Option<String>,
    user_id: Option<String>,
    note: String,
    created: String,
    updated: String,
    forms: Formats,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<RawCustomer> {
    Ok(RawCustomer {
        id: r.get(0)?,
        name: r.get(1)?,
        first_name: r.get(2)?,
        phone: r.get(3)?,
        user_id: r.get(4)?,
        note: r.get(5)?,
        created: r.get(6)?,
        updated: r.get(7)?,
        forms: Formats { national: r.get(8)?, international: r.get(9)?, region: r.get(10)? },
    })
}

fn build(raw: RawCustomer, tags: Vec<String>) -> Result<Customer> {
    let RawCustomer { id, name, first_name, phone, user_id, note, created, updated, forms } = raw;
    Ok(Customer {
        id,
        name,
        first_name,
        // Written only from a parsed Phone: a shape check suffices (full validation made listing 10k slow).
        phone: phone
            .map(|p| Phone::from_stored(&p).map(|p| p.with_formats(forms)))
            .transpose()
            .map_err(|_| StoreError::Corrupt(format!("customers.phone of {id}")))?,
        user_id,
        tags,
        note,
        created_at: parse_ts(&created)?,
        updated_at: parse_ts(&updated)?,
    })
}

/// One customer as [`Store::visit_listed`] hands them over: borrowed text of the row being read.
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub id: i64,
    pub name: &'a str,
    pub first_name: &'a str,
    /// E.164, checked for shape.
    pub phone: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The stored readable forms of the number (empty for rows written before they were stored).
    pub national: &'a str,
    pub international: &'a str,
    pub region: &'a str,
    /// Ordered as `COLLATE NOCASE`.
    pub tags: &'a [&'a str],
    pub consent: ConsentPair,
}

/// Filter for listing customers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// Customers having any of these tags (case-insensitive); empty = all.
    pub tags: Vec<String>,
}

impl Store {
    pub fn insert_customer(&mut self, draft: &CustomerDraft) -> Result<Customer> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let id = insert_customer_tx(&tx, draft, now)?;
        tx.commit()?;
        self.customer(id)
    }

    pub fn update_customer(&mut self, id: i64, draft: &CustomerDraft) -> Result<Customer> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        update_customer_tx(&tx, id, draft, now)?;
        tx.commit()?;
        self.customer(id)
    }

    pub fn customer(&self, id: i64) -> Result<Customer> {
        let raw = self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"), [id], from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("customer {id}")))?;
        let tags = self.tags_of(id)?;
        build(raw, tags)
    }

    pub fn customer_by_phone(&self, phone: &Phone) -> Result<Option<Customer>> {
        customer_id_by_phone(&self.conn, phone)?.map(|id| self.customer(id)).transpose()
    }

    pub fn customer_by_user_id(&self, user_id: &str) -> Result<Option<Customer>> {
        customer_by_user_id_tx(&self.conn, user_id)?.map(|(id, _)| self.customer(id)).transpose()
    }

    fn tags_of(&self, id: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT tag FROM customer_tags WHERE customer_id = ?1 ORDER BY tag COLLATE NOCASE")?;
        let tags = stmt.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(tags)
    }

    /// Every customer's consent pair (service, marketing), in customer id order, appended to `consent`: one scan of
    /// `consent_state` for the list loads.
    fn consent_pairs(&self, consent: &mut Vec<(i64, ConsentPair)>) -> Result<()> {
        let corrupt = || StoreError::Corrupt("consent_state".into());
        let mut stmt =
            self.conn.prepare_cached("SELECT customer_id, purpose, state FROM consent_state ORDER BY customer_id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let state = stored_state(r.get_ref(2)?.as_str().map_err(|_| corrupt())?).ok_or_else(corrupt)?;
            if consent.last().is_none_or(|(last, _)| *last != id) {
                consent.push((id, ConsentPair::default()));
            }
            if let Some((_, pair)) = consent.last_mut() {
                match r.get_ref(1)?.as_str().map_err(|_| corrupt())? {
                    "service" => pair.service = state,
                    _ => pair.marketing = state,
                }
            }
        }
        Ok(())
    }

    /// All customers (optionally by tag) with their consent state, ordered by name (as `COLLATE NOCASE`), then id.
    ///
    /// Three scans in primary-key order (customer id), merged without hashing; the name sort happens here rather
    /// than in SQLite, whose sorter would copy every whole row. 10,000 customers: see `benches/foundation.rs`.
    pub fn list_customers(&self, filter: &CustomerFilter) -> Result<Vec<CustomerRow>> {
        let mut tags: Vec<(i64, String)> = Vec::new();
        {
            let mut stmt =
                self.conn.prepare_cached("SELECT customer_id, tag FROM customer_tags ORDER BY customer_id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                tags.push((r.get(0)?, r.get(1)?));
            }
        }
        let mut consent: Vec<(i64, ConsentPair)> = Vec::new();
        self.consent_pairs(&mut consent)?;
        let wanted: Vec<String> = filter.tags.iter().map(|t| t.to_lowercase()).collect();
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM customers ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        let mut next_consent = 0;
        let mut tags = tags.into_iter().peekable();
        while let Some(r) = rows.next()? {
            let raw = from_row(r)?;
            let id = raw.id;
            // Merge join: all three scans ascend by customer id.
            while tags.next_if(|(c, _)| *c < id).is_some() {}
            let mut t: Vec<String> =
                std::iter::from_fn(|| tags.next_if(|(c, _)| *c == id)).map(|(_, tag)| tag).collect();
            while consent.get(next_consent).is_some_and(|(c, _)| *c < id) {
                next_consent += 1;
            }
            let pair = match consent.get(next_consent) {
                Some((c, pair)) if *c == id => *pair,
                _ => ConsentPair::default(),
            };
            if !wanted.is_empty() && !t.iter().any(|x| wanted.contains(&x.to_lowercase())) {
                continue;
            }
            t.sort_by(|a, b| nocase_cmp(a, b));
            out.push(CustomerRow { customer: build(raw, t)?, consent: pair });
        }
        out.sort_by(|a, b| nocase_cmp(&a.customer.name, &b.customer.name).then(a.customer.id.cmp(&b.customer.id)));
        Ok(out)
    }

    fn consent_pair(&self, id: i64) -> Result<ConsentPair> {
        let mut stmt = self.conn.prepare_cached("SELECT purpose, state FROM consent_state WHERE customer_id = ?1")?;
        let mut pair = ConsentPair::default();
        let corrupt = || StoreError::Corrupt("consent_state".into());
        let mut states = stmt.query([id])?;
        while let Some(r) = states.next()? {
            let state = stored_state(r.get_ref(1)?.as_str().map_err(|_| corrupt())?).ok_or_else(corrupt)?;
            match r.get_ref(0)?.as_str().map_err(|_| corrupt())? {
                "service" => pair.service = state,
                _ => pair.marketing = state,
            }
        }
        Ok(pair)
    }

    /// Hands the customers, in the list's order (`name_key`, then id; the first `limit` or all), to `each` as
    /// borrowed text — nothing is kept here, so the caller holds only its own compact form of the list (the
    /// terminal's customer list: no whole [`CustomerRow`] beside a prepared copy). Returns how many were handed over.
    /// The rows come by the name index, so a first page reads only its own rows (issue 15: the list's first frame
    /// with 100,000 customers in 40 ms). For all of them, tags and consent are read first in one scan each,
    /// compactly; for a page, per row. All scans read one snapshot. (Reading the rows in table order instead and
    /// putting each in its place made the load faster, but scattered the entries' text in memory against the
    /// list's order, and the search, which walks the list in order, became 2-3 times slower with 100,000.)
    pub fn visit_listed(&self, limit: Option<usize>, mut each: impl FnMut(Listed<'_>)) -> Result<usize> {
        let bulk = limit.is_none();
        // One snapshot for all the scans below (another process may write meanwhile).
        let snapshot = self.conn.unchecked_transaction()?;
        // All tags in one string, with (customer, start, end) offsets ascending by customer (then tag, NOCASE).
        let mut tag_text = String::new();
        let mut tag_at: Vec<(i64, u32, u32)> = Vec::new();
        let mut consent: Vec<(i64, ConsentPair)> = Vec::new();
        if bulk {
            let mut stmt = self.conn.prepare_cached(
                "SELECT customer_id, tag FROM customer_tags ORDER BY customer_id, tag COLLATE NOCASE",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let tag = r.get_ref(1)?.as_str().map_err(|_| StoreError::Corrupt("customer_tags.tag".into()))?;
                let start = tag_text.len() as u32;
                tag_text.push_str(tag);
                tag_at.push((id, start, tag_text.len() as u32));
            }
            self.consent_pairs(&mut consent)?;
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, first_name, phone, user_id, updated_at, phone_national, phone_international, phone_region
               FROM customers ORDER BY name_key, id LIMIT ?1",
        )?;
        // A negative limit is none.
        let mut rows = stmt.query([limit.map_or(-1, |n| n as i64)])?;
        let mut count = 0;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let corrupt = |what: &str| StoreError::Corrupt(format!("customers.{what} of {id}"));
            let text = |i: usize, what: &str| -> Result<&str> { r.get_ref(i)?.as_str().map_err(|_| corrupt(what)) };
            let text_or_null = |i: usize, what: &str| -> Result<Option<&str>> {
                r.get_ref(i)?.as_str_or_null().map_err(|_| corrupt(what))
            };
            let phone = text_or_null(3, "phone")?;
            if phone.is_some_and(|p| Phone::from_stored(p).is_err()) {
                return Err(corrupt("phone"));
            }
            let own_tags = if bulk { Vec::new() } else { self.tags_of(id)? };
            let tags: Vec<&str> = if bulk {
                let from = tag_at.partition_point(|(c, _, _)| *c < id);
                tag_at[from..]
                    .iter()
                    .take_while(|(c, _, _)| *c == id)
                    .map(|(_, a, b)| &tag_text[*a as usize..*b as usize])
                    .collect()
            } else {
                own_tags.iter().map(String::as_str).collect()
            };
            let pair = if bulk {
                match consent.binary_search_by_key(&id, |(c, _)| *c) {
                    Ok(i) => consent[i].1,
                    Err(_) => ConsentPair::default(),
                }
            } else {
                self.consent_pair(id)?
            };
            each(Listed {
                id,
                name: text(1, "name")?,
                first_name: text(2, "first_name")?,
                phone,
                user_id: text_or_null(4, "user_id")?,
                updated_at: parse_ts(text(5, "updated_at")?)?,
                national: text(6, "phone_national")?,
                international: text(7, "phone_international")?,
                region: text(8, "phone_region")?,
                tags: &tags,
                consent: pair,
            });
            count += 1;
        }
        drop(rows);
        snapshot.finish()?;
        Ok(count)
    }

    pub fn customer_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?)
    }

    /// All tags in use, with how many customers carry each.
    pub fn tag_counts(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt =
            self.conn.prepare("SELECT tag, count(*) FROM customer_tags GROUP BY tag ORDER BY tag COLLATE NOCASE")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Stores the business-scoped user id WhatsApp reported for a customer.
    pub fn set_user_id(&mut self, id: i64, user_id: &str) -> Result<()> {
        set_user_id_tx(&self.conn, id, user_id, false)
    }
}

/// The id of the customer with this number, on any connection or transaction.
pub fn customer_id_by_phone(conn: &Connection, phone: &Phone) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM customers WHERE phone = ?1")?
        .query_row([phone.as_e164()], |r| r.get(0))
        .optional()?)
}

/// Id and number (if any) of the customer with this business-scoped user id, on any connection or transaction.
pub fn customer_by_user_id_tx(conn: &Connection, user_id: &str) -> Result<Option<(i64, Option<Phone>)>> {
    let row: Option<(i64, Option<String>)> = conn
        .prepare_cached("SELECT id, phone FROM customers WHERE user_id = ?1")?
        .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, phone)| {
        let phone = phone
            .map(|p| Phone::from_e164(&p))
            .transpose()
            .map_err(|_| StoreError::Corrupt("customers.phone".into()))?;
        Ok((id, phone))
    })
    .transpose()
}

/// Gives a customer known only by user id the number a later webhook carried — unless another customer has it
/// (then both stay as they are: consent ledgers are never merged by guesswork). True when the number was set.
pub fn set_missing_phone_tx(conn: &Connection, id: i64, phone: &Phone) -> Result<bool> {
    let f = phone.formats();
    let n = conn
        .prepare_cached(
            "UPDATE customers SET phone = ?2, phone_national = ?3, phone_international = ?4, phone_region = ?5
          WHERE id = ?1 AND phone IS NULL AND NOT EXISTS (SELECT 1 FROM customers WHERE phone = ?2)",
        )?
        .execute(params![id, phone.as_e164(), f.national, f.international, f.region])?;
    Ok(n > 0)
}

/// Inserts a customer known only by their business-scoped user id (a WhatsApp user with a username who shares no
/// number), inside an open transaction. Refuses a user id that is already taken.
pub fn insert_user_customer_tx(
    tx: &Transaction<'_>,
    name: &str,
    first_name: &str,
    user_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    if customer_by_user_id_tx(tx, user_id)?.is_some() {
        return Err(StoreError::Corrupt("user id of a new customer already taken".to_owned()));
    }
    let name = crate::domain::customer::validate_name(name)?;
    let first_name = crate::domain::customer::clean_text(first_name);
    tx.execute(
        "INSERT INTO customers (name, first_name, phone, user_id, created_at, updated_at, name_key)
         VALUES (?1, ?2, NULL, ?3, ?4, ?4, ?5)",
        params![name, first_name, user_id, ts(now), name_key(&name)],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Stores the business-scoped user id WhatsApp reported for a customer; with `only_if_missing`, a known one stays.
/// A user id another customer already has is left with them (never a unique-constraint failure mid-webhook).
pub fn set_user_id_tx(conn: &Connection, id: i64, user_id: &str, only_if_missing: bool) -> Result<()> {
    let sql = if only_if_missing {
        "UPDATE customers SET user_id = ?2 WHERE id = ?1 AND user_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM customers WHERE user_id = ?2)"
    } else {
        "UPDATE customers SET user_id = ?2 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM customers WHERE user_id = ?2)"
    };
    conn.prepare_cached(sql)?.execute(params![id, user_id])?;
    Ok(())
}

/// When a customer row was last changed (as stored), to tell whether someone changed it since it was read.
pub fn customer_updated_at_tx(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT updated_at FROM customers WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

/// Inserts inside an open transaction; refuses a number that is already taken. A new customer from a form or a
/// list always has a number (a person known by user id only comes by webhook, [`insert_user_customer_tx`]).
pub fn insert_customer_tx(
    tx: &Transaction<'_>,
    draft: &CustomerDraft,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    let Some(phone) = &draft.phone else {
        return Err(StoreError::Customer(crate::domain::customer::CustomerError::PhoneMissing));
    };
    if customer_id_by_phone(tx, phone)?.is_some() {
        return Err(StoreError::PhoneTaken(phone.clone()));
    }
    let now = ts(now);
    let f = phone.formats();
    tx.execute(
        "INSERT INTO customers (name, first_name, phone, note, created_at, updated_at, phone_national, phone_international, phone_region, name_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9)",
        params![
            draft.name,
            draft.first_name,
            phone.as_e164(),
            draft.note,
            now,
            f.national,
            f.international,
            f.region,
            name_key(&draft.name)
        ],
    )?;
    let id = tx.last_insert_rowid();
    set_tags_tx(tx, id, &draft.tags)?;
    Ok(id)
}

/// Replaces name, first name, phone, note and tags. Without a number only for a customer known by user id.
pub fn update_customer_tx(
    tx: &Transaction<'_>,
    id: i64,
    draft: &CustomerDraft,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if let Some(phone) = &draft.phone {
        let taken: Option<i64> = tx
            .query_row("SELECT id FROM customers WHERE phone = ?1 AND id <> ?2", params![phone.as_e164(), id], |r| {
                r.get(0)
            })
            .optional()?;
        if taken.is_some() {
            return Err(StoreError::PhoneTaken(phone.clone()));
        }
    } else {
        let has_user_id: Option<bool> =
            tx.query_row("SELECT user_id IS NOT NULL FROM customers WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        if has_user_id == Some(false) {
            return Err(StoreError::Customer(crate::domain::customer::CustomerError::PhoneMissing));
        }
    }
    let f = draft.phone.as_ref().map(|p| p.formats()).unwrap_or_default();
    let n = tx.execute(
        "UPDATE customers SET name = ?2, first_name = ?3, phone = ?4, note = ?5, updated_at = ?6,
                phone_national = ?7, phone_international = ?8, phone_region = ?9, name_key = ?10 WHERE id = ?1",
        params![
            id,
            draft.name,
            draft.first_name,
            draft.phone.as_ref().map(|p| p.as_e164()),
            draft.note,
            ts(now),
            f.national,
            f.international,
            f.region,
            name_key(&draft.name)
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("customer {id}")));
    }
    tx.execute("DELETE FROM customer_tags WHERE customer_id = ?1", [id])?;
    set_tags_tx(tx, id, &draft.tags)?;
    Ok(())
}

/// Computes `name_key` for every customer that has none (the rows already there when the migration that added it
/// runs), inside that migration's transaction.
pub(super) fn fill_name_keys(tx: &Transaction<'_>) -> Result<()> {
    let missing: Vec<(i64, String)> = tx
        .prepare("SELECT id, name FROM customers WHERE name_key IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx.prepare("UPDATE customers SET name_key = ?2 WHERE id = ?1")?;
    for (id, name) in missing {
        set.execute(params![id, name_key(&name)])?;
    }
    Ok(())
}

/// A stored consent state without allocating (the column holds the exact keys; anything else goes the slow way).
fn stored_state(s: &str) -> Option<ConsentState> {
    match s {
        "none" => Some(ConsentState::None),
        "pending" => Some(ConsentState::Pending),
        "granted" => Some(ConsentState::Granted),
        "withdrawn" => Some(ConsentState::Withdrawn),
        other => other.parse().ok(),
    }
}

/// The order of SQLite's `COLLATE NOCASE`: ASCII letters folded to lower case, all other bytes compared as they are.
fn nocase_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

fn set_tags_tx(tx: &Transaction<'_>, id: i64, tags: &[String]) -> Result<()> {
    let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO customer_tags (customer_id, tag) VALUES (?1, ?2)")?;
    for tag in tags {
        stmt.execute(params![id, tag])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::phone::Region;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn store() -> Store {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap());
        Store::open_in_memory(Arc::new(clock)).unwrap()
    }

    fn draft(name: &str, phone: &str, tags: &[&str]) -> CustomerDraft {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        CustomerDraft::new(name, "", Phone::parse(phone, Region::DE).unwrap(), &tags, "").unwrap()
    }

    #[test]
    fn phone_is_unique() {
        let mut s = store();
        s.insert_customer(&draft("Anna Weiß", "0171 1234567", &["Eier"])).unwrap();
        let err = s.insert_customer(&draft("Andere", "+49 171 1234567", &[])).unwrap_err();
        assert!(matches!(err, StoreError::PhoneTaken(_)));
        assert_eq!(s.customer_count().unwrap(), 1);
    }

    #[test]
    fn list_by_tag_with_default_consent() {
        let mut s = store();
        s.insert_customer(&draft("Jörg Müller", "0171 1234567", &["Rind", "Schwein"])).unwrap();
        s.insert_customer(&draft("Anna Weiß", "0172 1234567", &["Eier"])).unwrap();
        let all = s.list_customers(&CustomerFilter::default()).unwrap();
        assert_eq!(all.iter().map(|r| r.customer.name.as_str()).collect::<Vec<_>>(), ["Anna Weiß", "Jörg Müller"]);
        assert_eq!(all[0].consent, ConsentPair::default());
        let rind = s.list_customers(&CustomerFilter { tags: vec!["rind".into()] }).unwrap();
        assert_eq!(rind.len(), 1);
        assert_eq!(rind[0].customer.tags, ["Rind", "Schwein"]);
    }

    #[test]
    fn list_order_matches_sqlite_nocase() {
        let mut s = store();
        let names =
            ["anna", "Anna", "Ærø", "Zoe", "zoe", "Öztürk", "Bernd", "bernd a", "Müller", "MÜLLER", "", "1 Hof"];
        for (i, name) in names.iter().enumerate() {
            let phone = format!("0171 12345{i:02}");
            let d = CustomerDraft::new(
                if name.is_empty() { "x" } else { name },
                "",
                Phone::parse(&phone, Region::DE).unwrap(),
                &["b".into(), "A".into(), "ä".into()],
                "",
            )
            .unwrap();
            s.insert_customer(&d).unwrap();
        }
        let listed: Vec<(String, i64)> = s
            .list_customers(&CustomerFilter::default())
            .unwrap()
            .into_iter()
            .map(|r| (r.customer.name, r.customer.id))
            .collect();
        let mut stmt = s.conn().prepare("SELECT name, id FROM customers ORDER BY name COLLATE NOCASE, id").unwrap();
        let sqlite: Vec<(String, i64)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(listed, sqlite);
        let tags = &s.list_customers(&CustomerFilter::default()).unwrap()[0].customer.tags;
        assert_eq!(tags, &["A", "b", "ä"]);
    }

    #[test]
    fn list_joins_tags_and_consent_to_the_right_customer() {
        use crate::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
        let mut s = store();
        s.ensure_default_wordings("Hof", "").unwrap();
        let mut ids = Vec::new();
        for (i, tags) in [vec![], vec!["Rind"], vec![], vec!["Eier", "Schwein"], vec![]].into_iter().enumerate() {
            let d = draft(&format!("Kunde {i}"), &format!("0171 12345{i:02}"), &tags);
            ids.push(s.insert_customer(&d).unwrap().id);
        }
        for (id, purpose) in [(ids[1], Purpose::Marketing), (ids[3], Purpose::Service), (ids[4], Purpose::Marketing)] {
            s.record_consent(&NewConsentEvent {
                customer_id: id,
                purpose,
                kind: EventKind::Granted,
                source: Source::ShopForm,
                evidence: "Formular".into(),
                wording_version: None,
                recorded_by: "t".into(),
                occurred_at: s.now(),
            })
            .unwrap();
        }
        let rows = s.list_customers(&CustomerFilter::default()).unwrap();
        let got: Vec<(&str, Vec<&str>, ConsentState, ConsentState)> = rows
            .iter()
            .map(|r| {
                let tags = r.customer.tags.iter().map(String::as_str).collect();
                (r.customer.name.as_str(), tags, r.consent.service, r.consent.marketing)
            })
            .collect();
        use ConsentState::{Granted as G, None as N};
        assert_eq!(
            got,
            vec![
                ("Kunde 0", vec![], N, N),
                ("Kunde 1", vec!["Rind"], N, G),
                ("Kunde 2", vec![], N, N),
                ("Kunde 3", vec!["Eier", "Schwein"], G, N),
                ("Kunde 4", vec![], N, G),
            ]
        );
        let filtered = s.list_customers(&CustomerFilter { tags: vec!["schwein".into()] }).unwrap();
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered[0].consent.service, G);
    }

    #[test]
    fn update_replaces_tags_and_keeps_created() {
        let mut s = store();
        let c = s.insert_customer(&draft("Jörg Müller", "0171 1234567", &["Rind"])).unwrap();
        let u = s.update_customer(c.id, &draft("Jörg Müller-Lüdenscheidt", "0171 1234567", &["Eier"])).unwrap();
        assert_eq!(u.tags, ["Eier"]);
        assert_eq!(u.created_at, c.created_at);
        assert!(matches!(s.update_customer(999, &draft("x", "0160 1234567", &[])), Err(StoreError::NotFound(_))));
    }

    /// Issue 14 §4: a customer known only by user id keeps no number when edited; a number customer cannot lose it.
    #[test]
    fn a_customer_known_by_user_id_is_edited_without_a_number() {
        let mut s = store();
        let now = s.now();
        let tx = s.conn_mut().transaction().unwrap();
        let id = insert_user_customer_tx(&tx, "WhatsApp", "", "DE.7001", now).unwrap();
        tx.commit().unwrap();
        let no_number = CustomerDraft::new("Kim Sommer", "Kim", None, &["Eier".into()], "").unwrap();
        let c = s.update_customer(id, &no_number).unwrap();
        assert_eq!((c.name.as_str(), c.phone.as_ref(), c.user_id.as_deref()), ("Kim Sommer", None, Some("DE.7001")));
        let other = s.insert_customer(&draft("Anna", "0171 1234567", &[])).unwrap();
        assert!(matches!(
            s.update_customer(other.id, &no_number),
            Err(StoreError::Customer(crate::domain::customer::CustomerError::PhoneMissing))
        ));
        assert!(s.insert_customer(&no_number).is_err(), "a new customer by hand needs a number");
        // Later the number is known: the same customer gets it.
        let with = draft("Kim Sommer", "0160 5550001", &[]);
        assert_eq!(s.update_customer(id, &with).unwrap().phone.unwrap().as_e164(), "+491605550001");
    }
}
