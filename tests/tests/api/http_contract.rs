//! The HTTP contract as outside clients see it: graphql-http's audit of the GraphQL-over-HTTP
//! specification, and a 413 that Node's fetch and Python's httpx can read.

use std::process::Command;

use nrp_tests::*;
use serde_json::Value;

fn tool(file: &str) -> String {
    format!("{}/http-contract/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_over_http_audit_passes_every_must_and_should() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = format!("{}/graphql", app.base);
    let audit = tool("audit.mjs");
    let out = tokio::task::spawn_blocking(move || Command::new("node").arg(audit).arg(url).output())
        .await
        .unwrap()
        .expect("node runs (scripts/test-tools.sh installs graphql-http)");
    assert!(out.status.success(), "the audit ran: {}", String::from_utf8_lossy(&out.stderr));
    let results: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(results.len() > 50, "the whole suite ran: {results:?}");
    let failed: Vec<_> = results.iter().filter(|r| r["status"] == "error" || r["status"] == "warn").collect();
    assert!(failed.is_empty(), "MUST (error) and SHOULD (warn) audits that failed: {failed:#?}");
    let notices = results.iter().filter(|r| r["status"] == "notice").count();
    println!("graphql-http audit: {} ok, {notices} MAY notices, 0 failed", results.len() - notices);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_gets_a_413_that_common_clients_read() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = format!("{}/graphql", app.base);
    let size = 20 * 1024 * 1024;
    let (node_url, post) = (url.clone(), tool("post-large.mjs"));
    let node = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(post).arg(node_url).arg(size.to_string()).output()
    })
    .await
    .unwrap()
    .expect("node runs");
    assert_eq!(
        String::from_utf8_lossy(&node.stdout).trim(),
        "413",
        "Node's fetch: {}",
        String::from_utf8_lossy(&node.stderr)
    );

    let script = format!(
        "import httpx\ntry:\n    r = httpx.post('{url}', content=b'{{\"query\": \"#' + b'x' * {size} + b'\"}}', headers={{'content-type': 'application/json'}}, timeout=30)\n    print(r.status_code)\nexcept Exception as e:\n    print('error:', type(e).__name__, e)\n"
    );
    let py = tokio::task::spawn_blocking(move || Command::new("python3").arg("-c").arg(script).output())
        .await
        .unwrap()
        .expect("python3 runs");
    assert_eq!(String::from_utf8_lossy(&py.stdout).trim(), "413", "httpx: {}", String::from_utf8_lossy(&py.stderr));

    let body = format!("{{\"query\": \"#{}\"}}", "x".repeat(size));
    let r = app.http.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers()["connection"], "close");
}
