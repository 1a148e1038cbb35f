//! The connection pools: one per Tokio runtime, TLS configuration and
//! connection settings, shared by every client of the process that has the
//! same.
//!
//! MediaWiki sessions live in cookies, not in connections: an HTTP/1.1
//! connection carries no state from one request to the next but TLS's.
//! So 10,000 clients of one wiki need not hold 10,000 idle keep-alive
//! connections (about 19 KiB each in hyper: its dispatch channel and its
//! read and write buffers): they share a pool that keeps at most
//! [`DEFAULT_MAX_IDLE_CONNECTIONS`](crate::DEFAULT_MAX_IDLE_CONNECTIONS)
//! idle ones per host (scheme, host and port). Each client's cookies,
//! bearer token, timeouts and body cap stay its own: they are applied per
//! request (`Http`).
//!
//! What two clients must have in common to share a pool:
//!
//! * **The runtime.** A pool's connection tasks are spawned on, and its
//!   sockets registered with, the runtime that opened them: they die with
//!   it, and stall while a current-thread runtime is not driven. A client
//!   used on two runtimes uses one pool on each, and keeps both.
//! * **The TLS configuration**, by identity: the process's default one, or
//!   the one of the same roots and CA files (`tls.rs` shares those), or a
//!   caller's own (`tls_config`), which no other client has. Connections
//!   verified with one client's roots (or made with its client
//!   certificate) are never handed to a client of other settings. TLS
//!   session tickets are cached per configuration (rustls' cache, of
//!   256 servers), so clients of one configuration may resume each
//!   other's TLS sessions with a server: tickets hold no HTTP credential
//!   (the wiki's session is in each client's cookies), and the server
//!   sees one process anyway.
//! * **The connect timeout and the idle cap**, which the pool applies.
//!
//! Each client remembers the pool of the first runtime it used (no lock
//! per request), and of up to [`OTHER_RUNTIMES`] more (a lock of its own
//! per request); the process-wide registry is looked up when a client
//! first sends on a runtime. It holds the pools weakly: a pool, and its
//! idle connections, go when the last client using it does.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, TryLockError, Weak};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client as PoolClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::runtime::{Handle, Id};

use super::{Connector, POOL_IDLE_TIMEOUT};
use crate::stale::CheckStale;

/// hyper-util's pooling client: a pool and its connector.
pub(crate) type Pool = PoolClient<Connector, Full<Bytes>>;

/// How often a busy registry is tried before a client makes a pool of its
/// own (only a registry left locked for good, in the child of a fork,
/// makes it give up; a lookup holds the lock for a moment).
const LOCK_TRIES: usize = 10_000;

/// How many runtimes besides its first a client remembers the pool of
/// (the most recently used ones): a client driven on a second runtime
/// keeps its connections alive there too, and one driven on a new runtime
/// per call (tests) does not keep every dead runtime's pool.
const OTHER_RUNTIMES: usize = 4;

/// What a pool is made of, besides its runtime.
pub(crate) struct PoolSettings {
    pub tls: Arc<rustls::ClientConfig>,
    pub connect_timeout: Duration,
    pub max_idle: usize,
}

/// A client's way to its pools.
pub(crate) struct Pools {
    settings: PoolSettings,
    /// The pool of the first runtime the client sent a request on.
    first: OnceLock<(Id, Arc<Pool>)>,
    /// The pools of the other runtimes it sent on, most recent last
    /// (boxed: 16 bytes in every client for what few clients use).
    others: OnceLock<Box<Mutex<Others>>>,
}

/// A client's pools of runtimes other than its first, most recent last.
type Others = Vec<(Id, Arc<Pool>)>;

/// What makes two clients' connections interchangeable.
#[derive(PartialEq)]
struct Key {
    runtime: Id,
    /// The TLS configuration's address: while a registry entry holds it
    /// (strongly), no other configuration can have it.
    tls: usize,
    connect_timeout: Duration,
    max_idle: usize,
}

struct Entry {
    key: Key,
    /// Keeps the configuration of `key.tls` alive.
    _tls: Arc<rustls::ClientConfig>,
    pool: Weak<Pool>,
}

static REGISTRY: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// A pool, borrowed from the client's [`Pools`] or shared from the
/// registry.
pub(crate) enum PoolRef<'a> {
    Borrowed(&'a Pool),
    Shared(Arc<Pool>),
}

impl std::ops::Deref for PoolRef<'_> {
    type Target = Pool;

    fn deref(&self) -> &Pool {
        match self {
            PoolRef::Borrowed(pool) => pool,
            PoolRef::Shared(pool) => pool,
        }
    }
}

impl Pools {
    pub fn new(settings: PoolSettings) -> Pools {
        Pools {
            settings,
            first: OnceLock::new(),
            others: OnceLock::new(),
        }
    }

    /// The pool for the current runtime; `None` outside any.
    pub fn get(&self) -> Option<PoolRef<'_>> {
        let runtime = Handle::try_current().ok()?.id();
        if let Some((id, pool)) = self.first.get() {
            if *id == runtime {
                return Some(PoolRef::Borrowed(pool));
            }
            return Some(PoolRef::Shared(self.other(runtime)));
        }
        let pool = self.shared(runtime);
        // Another task of the client may have been first: either is right.
        let _ = self.first.set((runtime, Arc::clone(&pool)));
        Some(PoolRef::Shared(pool))
    }

    /// The pool of a runtime other than the first, remembered.
    fn other(&self, runtime: Id) -> Arc<Pool> {
        let others = self.others.get_or_init(Box::default);
        let mut others = others.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = others.iter().position(|(id, _)| *id == runtime) {
            let entry = others.remove(at);
            let pool = Arc::clone(&entry.1);
            others.push(entry);
            return pool;
        }
        let pool = self.shared(runtime);
        if others.len() == OTHER_RUNTIMES {
            others.remove(0);
        }
        others.push((runtime, Arc::clone(&pool)));
        pool
    }

    /// The registry's pool of these settings on `runtime`, made if none.
    fn shared(&self, runtime: Id) -> Arc<Pool> {
        let key = Key {
            runtime,
            tls: Arc::as_ptr(&self.settings.tls) as usize,
            connect_timeout: self.settings.connect_timeout,
            max_idle: self.settings.max_idle,
        };
        for _ in 0..LOCK_TRIES {
            let mut registry = match REGISTRY.try_lock() {
                Ok(registry) => registry,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    std::thread::yield_now();
                    continue;
                }
            };
            if let Some(pool) = registry
                .iter()
                .find(|e| e.key == key)
                .and_then(|e| e.pool.upgrade())
            {
                return pool;
            }
            registry.retain(|e| e.pool.strong_count() > 0);
            let pool = Arc::new(self.build());
            registry.push(Entry {
                key,
                _tls: Arc::clone(&self.settings.tls),
                pool: Arc::downgrade(&pool),
            });
            return pool;
        }
        tracing::debug!("the pool registry stays locked; this client uses a pool of its own");
        Arc::new(self.build())
    }

    fn build(&self) -> Pool {
        let settings = &self.settings;
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(settings.connect_timeout));
        let tls = HttpsConnectorBuilder::new().with_tls_config((*settings.tls).clone());
        let connector = CheckStale(tls.https_or_http().enable_http1().wrap_connector(tcp));
        PoolClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(settings.max_idle)
            // hyper-util sends a request again, on another connection, when
            // hyper gives it back unwritten (the connection was found closed
            // before the request was taken from the queue). The default;
            // named because this crate relies on it.
            .retry_canceled_requests(true)
            .build(connector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tls: &Arc<rustls::ClientConfig>, max_idle: usize) -> PoolSettings {
        PoolSettings {
            tls: Arc::clone(tls),
            connect_timeout: Duration::from_secs(1),
            max_idle,
        }
    }

    fn same(a: &PoolRef<'_>, b: &PoolRef<'_>) -> bool {
        std::ptr::eq::<Pool>(&**a, &**b)
    }

    #[tokio::test]
    async fn clients_of_the_same_settings_and_runtime_share_a_pool() {
        let tls = crate::tls::TlsChoice::default().resolve().expect("tls");
        let a = Pools::new(settings(&tls, 8));
        let b = Pools::new(settings(&tls, 8));
        let (pa, pb) = (a.get().expect("a"), b.get().expect("b"));
        assert!(same(&pa, &pb));
        // The client's own remembered pool is the same one.
        assert!(matches!(a.get(), Some(PoolRef::Borrowed(_))));
        assert!(same(&a.get().expect("a"), &pa));
        // Another cap, or another TLS configuration: another pool.
        let c = Pools::new(settings(&tls, 9));
        assert!(!same(&c.get().expect("c"), &pa));
        let own = Arc::new((*tls).clone());
        let d = Pools::new(settings(&own, 8));
        assert!(!same(&d.get().expect("d"), &pa));
        let registry = REGISTRY.lock().expect("registry");
        assert!(registry.iter().any(|e| Arc::ptr_eq(&e._tls, &own)));
    }

    #[test]
    fn each_runtime_has_its_own_pool() {
        let tls = crate::tls::TlsChoice::default().resolve().expect("tls");
        let client = Pools::new(settings(&tls, 4));
        let other = Pools::new(settings(&tls, 4));
        let rt = || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime")
        };
        let address = |pool: PoolRef<'_>| std::ptr::from_ref::<Pool>(&pool) as usize;
        let (one, two) = (rt(), rt());
        let first = one.block_on(async { address(client.get().expect("1")) });
        // The other client, on the same runtime, shares the pool...
        assert_eq!(
            one.block_on(async { address(other.get().expect("1")) }),
            first
        );
        // ...but not on another runtime (where the client's is not its
        // remembered one).
        two.block_on(async {
            let pool = client.get().expect("2");
            assert!(matches!(pool, PoolRef::Shared(_)));
            let kept = match &pool {
                PoolRef::Shared(pool) => Arc::downgrade(pool),
                PoolRef::Borrowed(_) => unreachable!("matched above"),
            };
            assert_ne!(address(pool), first);
            // No other client holds that pool, and yet it outlives the
            // request: the client keeps it (keep-alive on that runtime too).
            assert!(
                kept.upgrade().is_some(),
                "the second runtime's pool is kept"
            );
            let again = client.get().expect("2 again");
            assert!(std::ptr::eq::<Pool>(&*again, kept.as_ptr()));
        });
        assert!(client.get().is_none(), "outside any runtime");
    }
}
