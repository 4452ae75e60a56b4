//! Short-lived caches of what the storefront shows about products: the listing's cards and the
//! product pages, the busiest pages of the shop.
//!
//! An entry is shown while it is younger than its cache's time to live *and* nothing in this
//! process has changed a product since it was loaded. Every write to a product's stock, price,
//! text or visibility calls [`changed`], so a shopper or admin on this instance sees the change
//! on their next page view; another instance on the same PostgreSQL database sees it within the
//! time to live. The cart, the checkout and the order reserve stock from the database itself,
//! never from here, so a page shown from the cache can never sell a unit that is gone.

use std::{
    hash::Hash,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use moka::sync::Cache;

/// How long a cached page part is shown at most: the bound on how stale another instance's
/// change can look here.
pub const TTL: Duration = Duration::from_secs(1);

/// Bumped by every change to a product in this process. A static rather than a field of the
/// shop's state because stock moves deep inside orders, payments and jobs that do not carry
/// the web layer's state; over-invalidating (several shops in one test process) is harmless.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Records that a product changed (stock, price, text, visibility): every cached page loaded
/// before now is refused from here on.
///
/// Call it next to the write. Called inside a transaction that has not committed yet, a page
/// loaded in between still shows the old value, for [`TTL`] at most.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// The current generation, to read *before* loading what will be cached: a change made while
/// loading then leaves the entry already stale.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// A map from page keys to loaded values, each kept for a time to live and until the next
/// [`changed`].
///
/// The values are shared behind an [`Arc`], so a hit hands out the rendered page part
/// without copying or allocating it.
pub struct PageCache<K, V> {
    ttl: Duration,
    entries: Cache<K, Entry<V>>,
}

/// A value with what decides whether it may still be shown.
struct Entry<V> {
    loaded_at: Instant,
    generation: u64,
    value: Arc<V>,
}

// By hand: the derive would ask `V: Clone`, and only the `Arc` is cloned.
impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Entry {
            loaded_at: self.loaded_at,
            generation: self.generation,
            value: self.value.clone(),
        }
    }
}

impl<K, V> PageCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// An empty cache whose entries live for `ttl` (zero: nothing is kept), holding at most
    /// `capacity` entries (the keys come from URLs, which the shopper chooses, so the cache
    /// must not grow without bound); when full, it keeps the pages asked for most often.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        PageCache {
            ttl,
            // Expiry only frees the memory of entries nobody asks for again; whether an entry
            // may be shown is decided in `get`, from when it was loaded rather than stored.
            entries: Cache::builder()
                .max_capacity(u64::try_from(capacity).unwrap_or(u64::MAX))
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The fresh value for `key`, if there is one.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entry = self.entries.get(key)?;
        (entry.generation == generation() && entry.loaded_at.elapsed() < self.ttl)
            .then_some(entry.value)
    }

    /// Keeps `value`, loaded at `loaded_at` when the generation was `generation`.
    pub fn insert(&self, key: K, loaded_at: Instant, generation: u64, value: Arc<V>) {
        if self.ttl.is_zero() {
            return;
        }
        self.entries.insert(
            key,
            Entry {
                loaded_at,
                generation,
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_refuses_what_was_loaded_before_it() {
        let cache = PageCache::new(Duration::from_secs(60), 8);
        let before = generation();
        cache.insert("a", Instant::now(), before, Arc::new(1));
        // Other tests in this process may bump the generation too; only a value stamped with
        // the current one can be served.
        if generation() == before {
            assert_eq!(cache.get(&"a").as_deref(), Some(&1));
        }
        changed();
        assert_eq!(cache.get(&"a"), None);
    }

    #[test]
    fn entries_expire_and_capacity_is_bounded() {
        let cache = PageCache::new(Duration::from_millis(20), 2);
        let g = generation();
        cache.insert(
            1,
            Instant::now() - Duration::from_millis(50),
            g,
            Arc::new("old"),
        );
        assert_eq!(cache.get(&1), None, "older than the time to live");
        cache.insert(2, Instant::now(), g, Arc::new("b"));
        cache.insert(3, Instant::now(), g, Arc::new("c"));
        // The cache settles its bound in the background of later calls; settle it now.
        cache.entries.run_pending_tasks();
        let held = cache.entries.entry_count();
        assert!(held <= 2, "never more than the capacity: {held}");
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let cache = PageCache::new(Duration::ZERO, 8);
        cache.insert("a", Instant::now(), generation(), Arc::new(1));
        assert_eq!(cache.get(&"a"), None);
    }
}
