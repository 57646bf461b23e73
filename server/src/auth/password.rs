use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use tokio::sync::Semaphore;

/// Password hashing with a bound on how many hashes run at once. Each argon2id hash takes
/// 19 MiB and tens of milliseconds of a core; without a bound a burst of sign-ups or logins
/// would take every core (and every blocking thread) from the rest of the server. Callers
/// queue here, never while holding a database connection.
#[derive(Debug)]
pub struct Passwords {
    permits: Semaphore,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Self {
        Passwords { permits: Semaphore::new(concurrency.max(1)) }
    }

    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        hash_password(password).await
    }

    pub async fn verify(&self, password: String, hash: Option<String>) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        verify_password(password, hash).await
    }
}

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes). Runs off the async
/// executor because it takes tens of milliseconds by design.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// Checks a password against a stored hash. With no hash (unknown user) it still does the same
/// work against a fixed hash, so response time does not reveal which emails exist.
pub async fn verify_password(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let stored = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(ok && known)
    })
    .await?
}

/// argon2id of a random string nobody knows, with the default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$IY3vuZ1Ps0X4kJRp7pGDHCtHn4z8sTJOpVzoJ/EHHdQ";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify_password("wrong horse battery".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }
}
