//! SQLite reached directly (rusqlite) for the SCIM hot paths, on a file database.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands every statement
//! and row across threads; a SCIM create is nine statements, so most of its time went to
//! thread switches (see ARCHITECTURE.md for the figures). Here:
//!
//! * **Writes** are jobs for one writer thread, which owns the write connection. It takes
//!   every job waiting, runs them in one `BEGIN IMMEDIATE` transaction, each inside a
//!   savepoint (a failing job rolls back only itself), commits once, and only then answers
//!   each caller: group commit. A job runs [`Conn`] code, whose futures are ready when first
//!   polled, so the whole job is one poll on the writer thread.
//! * **Reads** run inline on the caller's thread on a pooled read-only connection: an
//!   indexed lookup costs less than a thread switch.
//!
//! * **Checkpoints** (copying committed WAL frames back into the database file, then an
//!   `fsync`) run on a checkpointer thread with its own connection, concurrently with the
//!   writer: run after a commit, SQLite's automatic checkpoint held the writer, and so every
//!   waiting write, for the copy and the disk flush.
//!
//! The writer thread and [`crate::Tx`] (sqlx's writer, for everything else) take turns
//! through one gate, so neither waits on SQLite's busy handler.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use crate::Store;
use crate::db::Pools;
use crate::error::{Result, StoreError};
use crate::sql::{Conn, FromRow, Query};

/// The future a unit of work returns: it borrows its connection for `'c`.
pub(crate) type Work<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

/// Most jobs committed together; more wait for the next batch.
const MAX_BATCH: usize = 512;
/// Prepared statements kept per connection (filters make a few dozen distinct texts).
const STATEMENT_CACHE: usize = 256;
/// Least time between two checkpoints: each copies what accumulated since the last, so a
/// page written by many commits in between is copied (and flushed) once.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(50);
/// WAL frames beyond which a checkpoint is finished while the writer waits. Under a steady
/// stream of writes a concurrent checkpoint never reaches the end of the log (commits land
/// while it copies), and SQLite only rewinds the WAL to its start once every frame is
/// copied; copying the few frames left while no commit can land makes that happen, so the
/// WAL file stops growing.
const REWIND_FRAMES: i64 = 8192;

/// The direct engine of one database file.
pub(crate) struct Direct {
    jobs: RwLock<Option<mpsc::Sender<Box<dyn Job>>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    max_idle_readers: usize,
    path: PathBuf,
    /// Held by the writer thread for a batch and by a sqlx [`crate::Tx`] until it ends.
    pub(crate) gate: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn open(path: &Path, read_only: bool) -> Result<Connection> {
    let access = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    };
    let conn = Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Without the query planner stability guarantee, SQLite reads a bound `LIMIT $n` while
    // planning and expires the statement whenever `$n` is bound again, so every cached list
    // query was re-parsed and re-planned on each use (a fifth of a filtered GET).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // WAL is a property of the file (set when sqlx opened it); these are per connection.
    // `temp_store = MEMORY` keeps the statement journal of the writer's per-job savepoints
    // in memory: on a file it cost a `pwrite` per page first touched in every savepoint,
    // a quarter of a SCIM create. The WAL, and so durability, is unaffected.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

impl Direct {
    /// Opens the write connection and starts the writer thread.
    pub(crate) fn open(path: &Path, max_idle_readers: usize) -> Result<Self> {
        let conn = open(path, false)?;
        // Checkpoints are the checkpointer thread's job.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let checkpointer = Checkpointer::start(open(path, false)?, gate.clone())?;
        let (sender, receiver) = mpsc::channel();
        let thread_gate = gate.clone();
        let writer = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(conn, &receiver, &thread_gate, checkpointer))
            .map_err(|err| StoreError::Sqlite(format!("cannot start the writer: {err}")))?;
        Ok(Self {
            jobs: RwLock::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
            max_idle_readers: max_idle_readers.max(1),
            path: path.to_owned(),
            gate,
        })
    }

    /// Runs `work` in the next group commit and answers once it is durable.
    async fn submit<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(Conn<'c>) -> Work<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            work: Some(work),
            outcome: None,
            reply: Some(reply),
        });
        {
            let jobs = self.jobs.read().unwrap_or_else(|e| e.into_inner());
            let sender = jobs
                .as_ref()
                .ok_or_else(|| StoreError::Sqlite("the store is closed".into()))?;
            sender
                .send(job)
                .map_err(|_| StoreError::Sqlite("the writer thread stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| StoreError::Sqlite("the writer thread stopped".into()))?
    }

    /// A read connection for the caller's thread.
    fn reader(&self) -> Result<Reader<'_>> {
        let idle = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open(&self.path, true)?,
        };
        Ok(Reader {
            direct: self,
            conn: Some(conn),
        })
    }

    /// Stops taking writes, lets the writer finish what it has, and closes the readers.
    pub(crate) async fn close(&self) {
        self.jobs.write().unwrap_or_else(|e| e.into_inner()).take();
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        }
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// A pooled read connection, returned on drop.
struct Reader<'d> {
    direct: &'d Direct,
    conn: Option<Connection>,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self
                .direct
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if idle.len() < self.direct.max_idle_readers {
                idle.push(conn);
            }
        }
    }
}

/// A write waiting for, or running in, a group commit.
trait Job: Send {
    /// Runs the work (inside the batch's transaction); returns whether it succeeded.
    fn run(&mut self, conn: &mut Connection) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, committed: std::result::Result<(), String>);
}

struct Pending<T, F> {
    work: Option<F>,
    outcome: Option<Result<T>>,
    reply: Option<oneshot::Sender<Result<T>>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: for<'c> FnOnce(Conn<'c>) -> Work<'c, T> + Send,
{
    fn run(&mut self, conn: &mut Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut future = work(Conn::Lite(conn));
            match future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
            {
                Poll::Ready(outcome) => outcome,
                // Conn::Lite never waits; anything else would stall the writer.
                Poll::Pending => Err(StoreError::Sqlite(
                    "a write waited on something other than SQLite".into(),
                )),
            }
        }))
        .unwrap_or_else(|_| Err(StoreError::Sqlite("a write panicked".into())));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(mut self: Box<Self>, committed: std::result::Result<(), String>) {
        let answer = match (self.outcome.take(), committed) {
            (Some(Err(err)), _) => Err(err),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(why)) => Err(StoreError::Sqlite(why)),
            (None, Ok(())) => Err(StoreError::Sqlite("the write did not run".into())),
        };
        if let Some(reply) = self.reply.take() {
            // The caller may have gone away; the write stands either way.
            let _ = reply.send(answer);
        }
    }
}

fn step(conn: &Connection, sql: &str) -> std::result::Result<(), String> {
    conn.prepare_cached(sql)
        .and_then(|mut stmt| stmt.raw_execute())
        .map(drop)
        .map_err(|err| err.to_string())
}

/// The checkpointer thread, owned by the writer thread.
struct Checkpointer {
    /// Wakes the checkpointer after a commit (a full channel already means "wake up").
    wake: Option<mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the checkpointer thread on `conn`.
    fn start(conn: Connection, gate: Arc<tokio::sync::Mutex<()>>) -> Result<Self> {
        let (wake, woken) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpointer".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    if let Err(err) = checkpoint_once(&conn, &gate, REWIND_FRAMES) {
                        tracing::warn!(error = %err, "WAL checkpoint failed; retried after the next commit");
                    }
                    std::thread::sleep(CHECKPOINT_PAUSE);
                }
            })
            .map_err(|err| StoreError::Sqlite(format!("cannot start the checkpointer: {err}")))?;
        Ok(Self {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Called by the writer after each commit.
    fn committed(&self) {
        if let Some(wake) = &self.wake {
            // Full: a wake-up is pending already.
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    /// Lets a pending checkpoint finish and closes the checkpointer's connection.
    fn drop(&mut self) {
        self.wake.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A passive checkpoint (never waits on readers or the writer); returns the frames in the
/// WAL.
fn checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
}

/// Copies the WAL into the database file alongside the writer; once the WAL holds
/// `rewind_frames` or more, copies what the writer appended meanwhile while holding the
/// gate, so that the writer's next transaction starts the WAL over.
fn checkpoint_once(
    conn: &Connection,
    gate: &tokio::sync::Mutex<()>,
    rewind_frames: i64,
) -> rusqlite::Result<()> {
    if checkpoint(conn)? >= rewind_frames {
        let _turn = gate.blocking_lock();
        checkpoint(conn)?;
    }
    Ok(())
}

/// The writer thread: batches whatever is waiting into one transaction.
fn write_loop(
    mut conn: Connection,
    jobs: &mpsc::Receiver<Box<dyn Job>>,
    gate: &tokio::sync::Mutex<()>,
    checkpointer: Checkpointer,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = {
            let _turn = gate.blocking_lock();
            let outcome = run_batch(&mut conn, &mut batch);
            if outcome.is_err() {
                // Leave no transaction open for the next batch.
                let _ = conn.execute_batch("ROLLBACK");
            }
            outcome
        };
        for job in batch {
            job.finish(committed.clone());
        }
        if committed.is_ok() {
            checkpointer.committed();
        }
    }
}

fn run_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> std::result::Result<(), String> {
    step(conn, "BEGIN IMMEDIATE")?;
    if let [only] = batch {
        // Alone in its batch, a job needs no savepoint: its failure rolls everything back.
        return if only.run(conn) {
            step(conn, "COMMIT")
        } else {
            step(conn, "ROLLBACK")
        };
    }
    for job in batch.iter_mut() {
        step(conn, "SAVEPOINT job")?;
        if !job.run(conn) {
            step(conn, "ROLLBACK TO job")?;
        }
        step(conn, "RELEASE job")?;
    }
    step(conn, "COMMIT")
}

impl Store {
    /// Runs `work` as one write transaction: on a SQLite file, in the writer thread's next
    /// group commit; otherwise in a [`crate::Tx`]. Either way it commits before returning,
    /// and an error leaves nothing of it behind.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(Conn<'c>) -> Work<'c, T> + Send + 'static,
    {
        if let Pools::Sqlite {
            direct: Some(direct),
            ..
        } = &self.pools
        {
            return direct.submit(work).await;
        }
        let mut tx = self.begin().await?;
        let out = work(tx.conn()).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Every row of a read query (inline on the caller's thread on a SQLite file).
    pub(crate) async fn read_all<R: FromRow>(&self, q: Query<'_>) -> Result<Vec<R>> {
        match &self.pools {
            Pools::Sqlite {
                direct: Some(direct),
                ..
            } => {
                let mut reader = direct.reader()?;
                let conn = reader.conn.as_mut().ok_or_else(no_reader)?;
                Conn::Lite(conn).fetch_all(q).await
            }
            Pools::Sqlite { reader, .. } => {
                Conn::SqlxLite(&mut *reader.acquire().await?)
                    .fetch_all(q)
                    .await
            }
            Pools::Postgres(pool) => Conn::Pg(&mut *pool.acquire().await?).fetch_all(q).await,
        }
    }

    /// The first row of a read query, if any.
    pub(crate) async fn read_optional<R: FromRow>(&self, q: Query<'_>) -> Result<Option<R>> {
        match &self.pools {
            Pools::Sqlite {
                direct: Some(direct),
                ..
            } => {
                let mut reader = direct.reader()?;
                let conn = reader.conn.as_mut().ok_or_else(no_reader)?;
                Conn::Lite(conn).fetch_optional(q).await
            }
            Pools::Sqlite { reader, .. } => {
                Conn::SqlxLite(&mut *reader.acquire().await?)
                    .fetch_optional(q)
                    .await
            }
            Pools::Postgres(pool) => {
                Conn::Pg(&mut *pool.acquire().await?)
                    .fetch_optional(q)
                    .await
            }
        }
    }
}

fn no_reader() -> StoreError {
    StoreError::Sqlite("read connection already returned".into())
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    #[test]
    fn a_bound_limit_does_not_re_prepare_cached_statements() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let setup = rusqlite::Connection::open(&path).unwrap();
        setup
            .execute_batch(
                "CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT); \
                 INSERT INTO t VALUES ('a', '1'), ('b', '2'), ('c', '3');",
            )
            .unwrap();
        let conn = super::open(&path, true).unwrap();
        let sql = "SELECT id FROM t WHERE id > $1 ORDER BY id LIMIT $2 OFFSET $3";
        for limit in 1..4_i64 {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let ids: Vec<String> = stmt
                .query_map(rusqlite::params!["", limit, 0_i64], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(ids.len(), usize::try_from(limit).unwrap());
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0);
        }
    }

    fn wal_database(dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("db.sqlite");
        let setup = rusqlite::Connection::open(&path).unwrap();
        setup
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT);")
            .unwrap();
        path
    }

    fn frames_after_one_more_write(writer: &rusqlite::Connection) -> i64 {
        writer.execute("INSERT INTO t VALUES ('next')", []).unwrap();
        super::checkpoint(writer).unwrap()
    }

    #[test]
    fn the_writers_commits_reach_the_database_file_without_a_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = wal_database(dir.path());
        let direct = super::Direct::open(&path, 1).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            direct
                .submit(|mut conn| {
                    Box::pin(async move {
                        conn.execute(crate::sql::query("INSERT INTO t VALUES ('kept')"))
                            .await
                    })
                })
                .await
                .unwrap();
        });
        // The database file alone (no WAL beside it) holds the row once checkpointed.
        let copy = dir.path().join("copy.sqlite");
        let mut found = 0;
        for _ in 0..100 {
            std::fs::copy(&path, &copy).unwrap();
            // A copy taken while the checkpointer writes may be torn: try again then.
            found = rusqlite::Connection::open(&copy)
                .and_then(|alone| {
                    alone.query_row("SELECT COUNT(*) FROM t WHERE v = 'kept'", [], |r| r.get(0))
                })
                .unwrap_or(0);
            if found == 1 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(found, 1, "the checkpointer never copied the commit");
        runtime.block_on(direct.close());
    }

    #[test]
    fn a_long_wal_is_finished_under_the_gate_and_starts_over() {
        use std::sync::{Arc, mpsc};
        use std::time::Duration;
        let dir = tempfile::tempdir().unwrap();
        let path = wal_database(dir.path());
        let writer = super::open(&path, false).unwrap();
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .unwrap();
        for i in 0..40 {
            writer.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
        }
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let held = gate.clone().try_lock_owned().unwrap();
        let (done, finished) = mpsc::channel();
        let (thread_gate, thread_path) = (gate.clone(), path.clone());
        std::thread::spawn(move || {
            let conn = super::open(&thread_path, false).unwrap();
            // A short WAL is copied alongside the writer: no turn needed.
            super::checkpoint_once(&conn, &thread_gate, 1_000).unwrap();
            done.send("short").unwrap();
            // A long one waits for the writer's turn to copy the rest.
            super::checkpoint_once(&conn, &thread_gate, 10).unwrap();
            done.send("long").unwrap();
        });
        let wait = Duration::from_secs(10);
        assert_eq!(finished.recv_timeout(wait), Ok("short"));
        assert!(
            finished.recv_timeout(Duration::from_millis(100)).is_err(),
            "finished a long WAL without waiting for the writer's turn"
        );
        drop(held);
        assert_eq!(finished.recv_timeout(wait), Ok("long"));
        assert_eq!(
            frames_after_one_more_write(&writer),
            1,
            "the WAL did not start over"
        );
    }
}
