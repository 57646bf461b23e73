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
