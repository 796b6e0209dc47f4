//! The purge of deleted groups: a deleted group stays restorable for its directory's grace
//! period, then this task destroys it, each purge audited (`group.purged`, with the name,
//! member count and deletion time of what was destroyed). Every replica runs it; the store
//! makes each purge happen, and be audited, once (see `Store::purge_expired_groups`).

use std::time::Duration;

use store::Store;
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often expired groups are looked for.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(600);
/// Groups purged per transaction.
const BATCH: u32 = 200;

/// Starts the periodic purge (first run at start-up).
pub fn spawn(store: Store) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(PURGE_INTERVAL);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            purge_expired(&store, OffsetDateTime::now_utc()).await;
        }
    })
}

/// Purges every group whose grace period ended before `now`; returns how many this call
/// purged. Failures are logged and retried on the next tick.
pub async fn purge_expired(store: &Store, now: OffsetDateTime) -> usize {
    let mut total = 0;
    loop {
        match store.purge_expired_groups(now, BATCH).await {
            Ok(purged) => {
                for group in &purged {
                    tracing::info!(
                        group = %group.group_id,
                        name = %group.display_name,
                        members = group.members,
                        "purged a deleted group after its grace period"
                    );
                }
                total += purged.len();
                if purged.len() < BATCH as usize {
                    return total;
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "purging expired groups failed; retrying later");
                return total;
            }
        }
    }
}
