//! A TCP proxy a test can cut and restore, to take a browser "offline" from a running server and
//! bring it back (the page's WebSocket drops and must reconnect), or make lose every answer: the
//! request reaches the server, which acts on it, and the connection drops as the reply starts.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub struct Proxy {
    pub base: String,
    mode: Arc<AtomicU8>,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let mode = Arc::new(AtomicU8::new(UP));
        let conns: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (mode2, conns2) = (mode.clone(), conns.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let lose = match mode2.load(Ordering::SeqCst) {
                    CUT => {
                        drop(client); // refused while cut
                        continue;
                    }
                    LOSE => true,
                    _ => false,
                };
                let handle = tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else { return };
                    if !lose {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        return;
                    }
                    let (mut from_client, _to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let request = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                    });
                    // The server has the whole request once it answers; the answer goes nowhere.
                    let mut first = [0u8; 1];
                    let _ = from_server.read(&mut first).await;
                    request.abort();
                });
                conns2.lock().unwrap_or_else(|e| e.into_inner()).push(handle.abort_handle());
            }
        });
        Proxy { base: format!("http://{addr}"), mode, conns, task }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        for c in self.conns.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            c.abort();
        }
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        self.set(CUT);
    }

    /// Drops every connection; new ones carry requests to the server but lose its answers.
    pub fn lose_answers(&self) {
        self.set(LOSE);
    }

    /// Accepts connections again and carries them whole (one left from losing answers goes).
    pub fn restore(&self) {
        self.set(UP);
    }
}

const UP: u8 = 0;
const CUT: u8 = 1;
const LOSE: u8 = 2;

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}
