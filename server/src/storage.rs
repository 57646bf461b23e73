//! Where attachment bytes live. A trait, so a cloud object store can replace the local directory
//! without touching the services; the local directory is the default.

use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;

/// Stores and returns blobs by key (`<job id>/<attachment id>`).
#[async_trait]
pub trait AttachmentStore: Send + Sync + std::fmt::Debug {
    async fn put(&self, key: &str, bytes: Bytes) -> std::io::Result<()>;
    async fn get(&self, key: &str) -> std::io::Result<Bytes>;
    async fn delete(&self, key: &str) -> std::io::Result<()>;
}

/// Files under one directory; each write lands under a temporary name first, then is renamed,
/// so a crash never leaves half a file under a real key.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    root: PathBuf,
}

impl LocalDirStore {
    pub fn new(root: PathBuf) -> Self {
        LocalDirStore { root }
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        // Keys are made by the server from UUIDs; refuse anything else outright.
        if key.split('/').any(|part| part.is_empty() || part == "." || part == ".." || part.contains('\\')) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad storage key"));
        }
        Ok(self.root.join(key))
    }
}

#[async_trait]
impl AttachmentStore for LocalDirStore {
    async fn put(&self, key: &str, bytes: Bytes) -> std::io::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("partial");
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }

    async fn get(&self, key: &str) -> std::io::Result<Bytes> {
        Ok(Bytes::from(tokio::fs::read(self.path(key)?).await?))
    }

    async fn delete(&self, key: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_round_trip_and_escaping_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("nrp-store-{}", uuid::Uuid::new_v4()));
        let store = LocalDirStore::new(dir.clone());
        store.put("job/one", Bytes::from_static(b"hello")).await.unwrap();
        assert_eq!(store.get("job/one").await.unwrap(), Bytes::from_static(b"hello"));
        store.delete("job/one").await.unwrap();
        assert!(store.get("job/one").await.is_err());
        assert!(store.put("../escape", Bytes::new()).await.is_err());
        assert!(store.put("a//b", Bytes::new()).await.is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
