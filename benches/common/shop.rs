//! The shop both send benches start from: `n` customers, all with marketing consent, and the weekly offer to all of
//! them queued (`benches/queue.rs` in-process, `benches/disk.rs` through the real `serve`).

use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::Phone;
use hofbote::domain::template::Params;
use hofbote::sandbox;
use hofbote::store::Store;
use hofbote::store::broadcasts::NewBroadcast;

/// Fills `store` with `n` consenting customers (numbers from `+4917<first>` on) and queues the weekly offer to all of
/// them; returns the broadcast's id.
pub fn consenting_shop(store: &mut Store, n: usize, first: u64) -> i64 {
    store.ensure_default_wordings("Hof Bench", "").unwrap();
    store.replace_templates(&sandbox::demo_templates()).unwrap();
    let now = store.now();
    let tx = store.conn_mut().transaction().unwrap();
    for i in 0..n {
        let phone = Phone::from_e164(&format!("+4917{:08}", first + i as u64)).unwrap();
        let d = CustomerDraft::new(&format!("Kunde {i}"), "Kunde", phone, &[], "").unwrap();
        let id = hofbote::store::customers::insert_customer_tx(&tx, &d, now).unwrap();
        let ev = NewConsentEvent {
            customer_id: id,
            purpose: Purpose::Marketing,
            kind: EventKind::Granted,
            source: Source::ShopForm,
            evidence: format!("F-{i}"),
            wording_version: None,
            recorded_by: "bench".into(),
            occurred_at: now - chrono::Duration::days(1),
        };
        hofbote::store::consent::record_consent_tx(&tx, &ev, now).unwrap();
    }
    tx.commit().unwrap();
    let b = NewBroadcast {
        template: "wochenangebot".into(),
        language: "de".into(),
        params: Params::positional(&["{vorname}", "Kartoffeln 2,50 €"]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "bench".into(),
    };
    store.create_broadcast(&b, "Hallo", false).unwrap().0
}
