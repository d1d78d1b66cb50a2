//! Runs a task only while this replica leads: started on gaining leadership, cancelled on
//! losing it, started again on regaining it (EN-81, EN-82).

use tokio_util::sync::CancellationToken;

use super::Leadership;

/// Calls `start` with a token that is cancelled when leadership (or the server) ends.
pub fn spawn_leader_only<F>(leadership: Leadership, cancel: CancellationToken, start: F)
where
    F: Fn(CancellationToken) + Send + 'static,
{
    let mut rx = leadership.watch();
    tokio::spawn(async move {
        let mut running: Option<CancellationToken> = None;
        loop {
            let leading = *rx.borrow_and_update();
            match (leading, &running) {
                (true, None) => {
                    let token = cancel.child_token();
                    start(token.clone());
                    running = Some(token);
                }
                (false, Some(token)) => {
                    token.cancel();
                    running = None;
                }
                _ => {}
            }
            tokio::select! {
                changed = rx.changed() => if changed.is_err() {
                    // The sender is gone (election disabled or stopped): keep the state.
                    cancel.cancelled().await;
                    break;
                },
                () = cancel.cancelled() => break,
            }
        }
        if let Some(token) = running {
            token.cancel();
        }
    });
}
