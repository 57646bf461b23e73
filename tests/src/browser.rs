//! Headless Chromium (Debian's `chromium`) driven through its `chromedriver` over WebDriver, for
//! the web app's end-to-end tests. Each [`Browser`] has its own driver process and profile.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Where the built web app is (`scripts/build-web.sh` puts it there).
pub fn web_dist() -> String {
    let dist = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/dist");
    assert!(
        std::path::Path::new(dist).join("index.html").is_file(),
        "the web app is not built: run scripts/build-web.sh (scripts/test.sh does)"
    );
    dist.to_string()
}

/// A phone-sized headless Chromium.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Browser {
    pub async fn start() -> Self {
        Self::start_sized(390, 844).await
    }

    pub async fn start_sized(width: u32, height: u32) -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/browser-tools.sh installs it)");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--autoplay-policy=no-user-gesture-required",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let client = loop {
            let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            b.capabilities(caps.clone());
            match b.connect(&url).await {
                Ok(c) => break c,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
            }
        };
        Browser { client, driver, _profile: profile }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits (up to 15 s) for an element matching `css`.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                // Say what the page showed instead, so a failure explains itself.
                let page = self
                    .client
                    .execute("return document.body ? document.body.innerText.slice(0, 2000) : '';", vec![])
                    .await
                    .unwrap_or_default();
                panic!("no element {css}: {e}; the page shows: {page}")
            }
        }
    }

    /// Waits (up to 15 s) until `script` (a JS expression) is truthy; returns its value.
    pub async fn until(&self, what: &str, script: &str) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let v = self.client.execute(&format!("return ({script});"), vec![]).await.expect("script runs");
            let truthy = !matches!(v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            if truthy {
                return v;
            }
            if std::time::Instant::now() >= deadline {
                let page = self
                    .client
                    .execute("return location.href + '\\n' + document.body.innerText.slice(0, 2000)", vec![])
                    .await
                    .unwrap_or_default();
                panic!(
                    "timed out waiting for {what}: `{script}`; the page shows:\n{}",
                    page.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("type");
    }

    /// Clicks `css` as a person would: scrolled to the middle of the screen first, so no fixed
    /// bar (the phone's tab bar) lies over it.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        let arg = serde_json::to_value(&e).expect("an element reference");
        let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg]).await;
        e.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the export button `css` and returns the text of the CSV the page hands the browser
    /// to save (read from the Blob given to `URL.createObjectURL`). Call it again for another
    /// export: each call starts from an empty capture.
    pub async fn exported_csv(&self, css: &str) -> String {
        let keep = "window.__csv = null; const make = URL.createObjectURL; \
            URL.createObjectURL = b => { b.text().then(t => { window.__csv = t; }); return make(b); };";
        self.client.execute(keep, vec![]).await.expect("the CSV hook");
        self.click(css).await;
        let csv = self.until("the CSV", "window.__csv").await;
        csv.as_str().unwrap_or_default().to_string()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// Signs in through the form and waits until the app has navigated away from it.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("form button[type=submit]").await;
        self.until("signed in", "!location.pathname.startsWith('/login') && document.querySelector('header .who')")
            .await;
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver (`goog/cdp/execute`).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        self.client.issue_cmd(Cdp { cmd: cmd.into(), params }).await.map_err(|e| e.to_string())
    }

    /// The id DevTools gives the service worker registration whose scope starts with `origin`.
    /// DevTools tells it only in events, which chromedriver's pass-through cannot receive, so this
    /// talks to the browser's own DevTools socket: it attaches to the page and listens for
    /// `ServiceWorker.workerRegistrationUpdated`.
    pub async fn service_worker_registration(&self, origin: &str) -> String {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let address = self
            .client
            .capabilities()
            .and_then(|c| c.get("goog:chromeOptions"))
            .and_then(|o| o["debuggerAddress"].as_str())
            .expect("chromedriver reports the browser's DevTools address")
            .to_string();
        let version: Value = reqwest::get(format!("http://{address}/json/version"))
            .await
            .expect("DevTools answers")
            .json()
            .await
            .expect("DevTools version");
        let url = version["webSocketDebuggerUrl"].as_str().expect("a browser socket").to_string();
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("DevTools socket");
        let mut next_id = 0u64;
        let mut send = async |socket: &mut crate::ws::Socket, session: Option<&str>, method: &str, params: Value| {
            next_id += 1;
            let mut msg = json!({"id": next_id, "method": method, "params": params});
            if let Some(s) = session {
                msg["sessionId"] = json!(s);
            }
            socket.send(Message::text(msg.to_string())).await.expect("DevTools send");
            next_id
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let next = async |socket: &mut crate::ws::Socket| -> Value {
            loop {
                let frame = tokio::time::timeout_at(deadline, socket.next())
                    .await
                    .expect("DevTools told the registration in time")
                    .expect("DevTools socket open")
                    .expect("DevTools frame");
                if let Message::Text(t) = frame {
                    return serde_json::from_str(&t).expect("DevTools JSON");
                }
            }
        };
        let asked = send(&mut socket, None, "Target.getTargets", json!({})).await;
        let targets = loop {
            let v = next(&mut socket).await;
            if v["id"] == json!(asked) {
                break v;
            }
        };
        let page = targets["result"]["targetInfos"]
            .as_array()
            .and_then(|ts| {
                ts.iter().find(|t| t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(origin)))
            })
            .map(|t| t["targetId"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no page of {origin} in {targets}"));
        let asked = send(&mut socket, None, "Target.attachToTarget", json!({"targetId": page, "flatten": true})).await;
        let session = loop {
            let v = next(&mut socket).await;
            if v["id"] == json!(asked) {
                break v["result"]["sessionId"].as_str().expect("a DevTools session").to_string();
            }
        };
        send(&mut socket, Some(&session), "ServiceWorker.enable", json!({})).await;
        loop {
            let v = next(&mut socket).await;
            if v["method"] == "ServiceWorker.workerRegistrationUpdated" {
                for r in v["params"]["registrations"].as_array().into_iter().flatten() {
                    if r["scopeURL"].as_str().is_some_and(|s| s.starts_with(origin)) && r["isDeleted"] != true {
                        let _ = socket.close(None).await;
                        return r["registrationId"].as_str().expect("a registration id").to_string();
                    }
                }
            }
        }
    }

    /// Runs an async script (`arguments[arguments.length - 1]` is the callback) and returns what
    /// it passes back.
    pub async fn run_async(&self, script: &str) -> Value {
        self.client.execute_async(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}: {script}"))
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// chromedriver's pass-through to the DevTools protocol.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}
