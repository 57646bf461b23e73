#[test]
fn the_committed_schema_matches_the_server() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = nrp_server::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is stale: run `cargo run -p nrp-server -- export-schema -o schema.graphql` and commit it"
    );
}

/// Every operation the web apps send stays within the server's query-cost and alias limits
/// (with its page sizes as the app sends them, or the default when a variable sets it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_web_app_operation_is_within_the_query_limits() {
    use async_graphql::parser::types::DocumentOperations;
    let app = nrp_tests::TestApp::spawn(nrp_tests::Backend::Sqlite).await;
    let schema = nrp_server::graphql::build_schema(app.ctx.clone());
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/graphql");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = async_graphql::parser::parse_query(&text).unwrap();
        let DocumentOperations::Multiple(ops) = doc.operations else { continue };
        for name in ops.keys() {
            // Subscriptions go over the socket; the limits are the same, so check them here too.
            let req = async_graphql::Request::new(text.clone())
                .operation_name(name.as_str())
                .data(nrp_server::auth::RequestMeta::system())
                .data(nrp_server::graphql::request_loaders(&app.ctx.db));
            let resp = schema.execute(req).await;
            for e in &resp.errors {
                let m = e.message.to_lowercase();
                assert!(!m.contains("complex") && !m.contains("alias"), "{}: {name}: {}", path.display(), e.message);
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "checked {checked} operations");
}
