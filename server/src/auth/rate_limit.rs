//! Fixed-window counters (logins, sign-ups, GraphQL operations). With Redis the counters are
//! shared by every instance; without it (or while Redis is unreachable) each instance counts on
//! its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// How a client address is counted: an IPv4 address on its own, an IPv6 address by its /64 (one
/// subscriber or site usually holds a whole /64, so counting single IPv6 addresses limits nothing).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Whether a request may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitDecision {
    Allowed,
    Limited { retry_after: Duration },
}

/// One counted hit: where the key's window stands after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub allowed: bool,
    pub limit: u32,
    /// Events still allowed in this window.
    pub remaining: u32,
    /// Time until the window resets.
    pub reset: Duration,
}

/// Counts events per key within a window.
pub struct RateLimiter {
    redis: Option<ConnectionManager>,
    prefix: String,
    local: Mutex<HashMap<String, (Instant, u32)>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("redis", &self.redis.is_some()).finish()
    }
}

const INCR_SCRIPT: &str = r"
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
";

impl RateLimiter {
    /// `prefix` namespaces the Redis keys (`<prefix>:rl:<key>`).
    pub fn new(redis: Option<ConnectionManager>, prefix: &str) -> Self {
        RateLimiter { redis, prefix: prefix.to_string(), local: Mutex::new(HashMap::new()) }
    }

    /// Counts one event for `key` and says whether the count is still within `limit`.
    pub async fn hit(&self, key: &str, limit: u32, window: Duration) -> RateLimitDecision {
        let h = self.hit_n(key, 1, limit, window).await;
        if h.allowed { RateLimitDecision::Allowed } else { RateLimitDecision::Limited { retry_after: h.reset } }
    }

    /// Counts `n` events for `key` at once (a batch of operations) against `limit` per window.
    pub async fn hit_n(&self, key: &str, n: u32, limit: u32, window: Duration) -> Hit {
        let (count, ttl) = match &self.redis {
            Some(conn) => match self.hit_redis(conn.clone(), key, n, window).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "rate limiter: Redis unavailable, counting locally");
                    self.hit_local(key, n, window)
                }
            },
            None => self.hit_local(key, n, window),
        };
        Hit { allowed: count <= limit, limit, remaining: limit.saturating_sub(count), reset: ttl }
    }

    /// Forgets the count for `key` (after a successful login, for example).
    pub async fn reset(&self, key: &str) {
        if let Some(conn) = &self.redis {
            let mut conn = conn.clone();
            let full = format!("{}:rl:{key}", self.prefix);
            if let Err(e) = redis::cmd("DEL").arg(&full).query_async::<()>(&mut conn).await {
                tracing::warn!(error = %e, "rate limiter: could not reset a Redis counter");
            }
        }
        if let Ok(mut map) = self.local.lock() {
            map.remove(key);
        }
    }

    async fn hit_redis(
        &self,
        mut conn: ConnectionManager,
        key: &str,
        n: u32,
        window: Duration,
    ) -> redis::RedisResult<(u32, Duration)> {
        let (count, ttl_ms): (u32, i64) = redis::Script::new(INCR_SCRIPT)
            .key(format!("{}:rl:{key}", self.prefix))
            .arg(window.as_millis() as u64)
            .arg(n)
            .invoke_async(&mut conn)
            .await?;
        Ok((count, Duration::from_millis(ttl_ms.max(0) as u64)))
    }

    fn hit_local(&self, key: &str, n: u32, window: Duration) -> (u32, Duration) {
        let now = Instant::now();
        let Ok(mut map) = self.local.lock() else { return (0, Duration::ZERO) };
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(n);
        (entry.1, window.saturating_sub(now.duration_since(entry.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_are_counted_by_their_64_prefix() {
        let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        assert_eq!(a, client_key("2001:db8:1:2:ffff:1:2:3".parse().unwrap()));
        assert_ne!(a, client_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(client_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(client_key("::ffff:203.0.113.7".parse().unwrap()), "203.0.113.7");
    }

    #[tokio::test]
    async fn the_local_limiter_allows_up_to_the_limit_then_says_when_to_retry() {
        let rl = RateLimiter::new(None, "test");
        for _ in 0..3 {
            assert_eq!(rl.hit("k", 3, Duration::from_secs(60)).await, RateLimitDecision::Allowed);
        }
        match rl.hit("k", 3, Duration::from_secs(60)).await {
            RateLimitDecision::Limited { retry_after } => assert!(retry_after <= Duration::from_secs(60)),
            other => panic!("expected a limit, got {other:?}"),
        }
        assert_eq!(rl.hit("other", 3, Duration::from_secs(60)).await, RateLimitDecision::Allowed);
        rl.reset("k").await;
        assert_eq!(rl.hit("k", 3, Duration::from_secs(60)).await, RateLimitDecision::Allowed);
    }
}
