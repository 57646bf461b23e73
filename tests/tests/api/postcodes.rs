use std::path::PathBuf;

use nrp_server::auth::RequestMeta;
use nrp_server::services::postcodes;
use nrp_server::store;
use nrp_tests::*;

fn reference_csv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/au-postcodes.csv")
}

on_both_databases!(the_public_postcode_file_imports_idempotently, |app: TestApp| async move {
    let path = reference_csv();
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let first = postcodes::import(&app.ctx, &RequestMeta::system(), file.as_slice()).await.unwrap();
    assert_eq!(first.rows_read, 16_742);
    assert_eq!(first.skipped_unknown_location, 251);
    assert_eq!(first.localities_imported + first.skipped_unknown_location, 16_742 - duplicates_in(&file));
    let localities = store::postcodes::locality_count(&app.ctx.db).await.unwrap();
    let centroids = store::postcodes::centroid_count(&app.ctx.db).await.unwrap();
    assert_eq!(localities, first.localities_imported as u64);
    assert_eq!(centroids, first.distinct_postcodes as u64);

    let darwin = store::postcodes::centroid(&app.ctx.db, "0800").await.unwrap().expect("0800 zero-padded");
    assert!((darwin.latitude + 12.8).abs() < 0.01);
    assert!(store::postcodes::centroid(&app.ctx.db, "800").await.unwrap().is_none());

    let again = postcodes::import(&app.ctx, &RequestMeta::system(), file.as_slice()).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(store::postcodes::locality_count(&app.ctx.db).await.unwrap(), localities);
});

/// Rows repeated in the file (same postcode, suburb and state) import once.
fn duplicates_in(file: &[u8]) -> usize {
    let text = String::from_utf8_lossy(file);
    let mut seen = std::collections::HashSet::new();
    text.lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let zero = f.len() == 5 && f[3].parse::<f64>().ok() == Some(0.0) && f[4].parse::<f64>().ok() == Some(0.0);
            !zero && !seen.insert((format!("{:0>4}", f[0]), f[1].to_lowercase(), f[2].to_string()))
        })
        .count()
}

on_both_databases!(a_malformed_file_is_rejected_with_its_line_and_imports_nothing, |app: TestApp| async move {
    let csv = "Postcode,Suburb,State,Lat,Lon\n2000,Sydney,NSW,-33.86,151.21\n3000,Melbourne,VIC,-37.81\n";
    let err = postcodes::import(&app.ctx, &RequestMeta::system(), csv.as_bytes()).await.unwrap_err();
    assert_eq!(err.code(), "BAD_USER_INPUT");
    assert!(err.to_string().starts_with("line 3:"), "{err}");
    assert_eq!(store::postcodes::locality_count(&app.ctx.db).await.unwrap(), 0);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_imports_a_file_and_refuses_a_missing_one() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/cli.db?mode=rwc", dir.path().display());
    let csv = dir.path().join("pc.csv");
    std::fs::write(&csv, "Postcode,Suburb,State,Lat,Lon\n800,Darwin,NT,-12.8,130.96\n813,Sanderson,NT,0,0\n").unwrap();
    // SAFETY of env mutation: this test is the only one in the binary that reads these variables.
    let ok = run_cli(&db, &["nrp-server", "import-postcodes", csv.to_str().unwrap()]).await;
    assert_eq!(ok, std::process::ExitCode::SUCCESS);
    let missing = run_cli(&db, &["nrp-server", "import-postcodes", "/no/such/file.csv"]).await;
    assert_eq!(missing, std::process::ExitCode::FAILURE);

    async fn run_cli(db: &str, args: &[&str]) -> std::process::ExitCode {
        let cli = nrp_server::cli::Cli::parse_from(args);
        nrp_server::cli::run_with(
            cli,
            nrp_server::Config::from_lookup(|k| (k == "DATABASE_URL").then(|| db.to_string())).unwrap(),
        )
        .await
    }
}
