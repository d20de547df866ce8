//! The webhook receiver: Meta's verification handshake, signature check, durable storage of the raw body before the
//! 200 (concurrent deliveries share one transaction), then applying the events (`apply`). A body that fails to apply
//! stays stored with its error and can be re-applied. Must not send messages itself: replies are queued.

pub mod apply;
mod conns;
pub mod replies;
pub mod server;

pub use apply::{Applied, ApplyContext};
pub use server::{Limits, Receiver, ReceiverConfig};

use crate::store::{Result, Store};
use crate::whatsapp::payload;

/// Applies every stored body that is not applied yet, oldest first, each in its own transaction. A body that cannot
/// be parsed or applied keeps its error for review; the others go on.
pub fn apply_pending(store: &mut Store, ctx: &ApplyContext) -> Result<Applied> {
    let mut total = Applied::default();
    loop {
        let batch = store.unapplied_webhooks(100)?;
        if batch.is_empty() {
            return Ok(total);
        }
        for hook in batch {
            let now = store.now();
            let outcome = match payload::parse(&hook.body) {
                Err(e) => Err(e.to_string()),
                Ok(events) => {
                    let result = (|| -> Result<Applied> {
                        // Immediate: the write lock is taken (or waited for) at BEGIN. A deferred transaction that
                        // reads first fails at once with "database is locked" when another connection (the
                        // terminal app's worker, a second process) committed in between — and the body would sit
                        // unapplied.
                        let tx =
                            store.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                        let done = apply::apply_events(&tx, &events, ctx, now)?;
                        tx.execute(
                            "UPDATE webhook_events SET applied_at = ?2 WHERE id = ?1",
                            rusqlite::params![hook.id, crate::store::ts(now)],
                        )?;
                        tx.commit()?;
                        Ok(done)
                    })();
                    result.map_err(|e| e.to_string())
                }
            };
            match outcome {
                Ok(done) => total.add(done),
                Err(error) => {
                    tracing::warn!(id = hook.id, %error, "webhook body could not be applied; kept for review");
                    store.mark_webhook_failed(hook.id, &error)?;
                }
            }
        }
    }
}

/// Records `confirmation_expired` for double opt-ins older than 24 h (run periodically by the service).
pub fn expire_confirmations(store: &mut Store) -> Result<usize> {
    let now = store.now();
    let tx = store.conn_mut().transaction()?;
    let n = apply::expire_confirmations_tx(&tx, now)?;
    tx.commit()?;
    Ok(n)
}
