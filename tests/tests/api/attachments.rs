use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

fn png(size: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend((0..size.saturating_sub(8)).map(|i| (i % 251) as u8));
    v
}

async fn files_in(dir: &std::path::Path) -> usize {
    walk(dir)
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

on_both_databases!(
    a_contractor_uploads_a_photo_from_the_site_and_everyone_on_the_job_can_fetch_it,
    |app: TestApp| async move {
        seed_postcodes(&app).await;
        let admin = app.admin_token().await;
        let (_, key) = insurer_key(&app, &admin, "Photo Mutual").await;
        let c = contractor(&app, &admin, "photos", json!({"basePostcode": "2150"}), true).await;
        let stranger = contractor(&app, &admin, "nosy", json!({"basePostcode": "4000"}), true).await;
        let (_, job) = won_job(&app, &admin, &key, &c).await;

        // 2 MB: more than the 1 MB JSON limit, fine for an upload.
        let bytes = png(2 * 1024 * 1024);
        let body =
            upload_file(&app, &c.token, &job, "C:\\\\phone\\\\kitchen ceiling.png", bytes.clone(), "image/png").await;
        assert!(body.get("errors").is_none(), "{body}");
        let a = &body["data"]["uploadAttachment"];
        assert_eq!(a["kind"], "PHOTO");
        assert_eq!(a["filename"], "kitchen ceiling.png");
        assert_eq!(a["contentType"], "image/png");
        assert_eq!(a["sizeBytes"], bytes.len());
        use sha2::Digest;
        assert_eq!(a["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));

        let url = format!("{}{}", app.base, a["url"].as_str().unwrap());
        for token in [&c.token, &admin, &key] {
            let got = app.http.get(&url).bearer_auth(token).send().await.unwrap();
            assert_eq!(got.status(), 200);
            assert_eq!(got.headers()["content-type"], "image/png");
            assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());
        }
        assert_eq!(app.http.get(&url).bearer_auth(&stranger.token).send().await.unwrap().status(), 404);
        assert_eq!(app.http.get(&url).send().await.unwrap().status(), 401);

        let listed =
            app.ok(Some(&key), "query($id:ID!){ job(id:$id){ attachments { sha256 } } }", json!({"id": job})).await;
        assert_eq!(listed["job"]["attachments"][0]["sha256"], a["sha256"]);
        // A stranger cannot add files; the insurer reads but does not upload.
        assert_eq!(
            error_code(&upload_file(&app, &stranger.token, &job, "x.png", png(100), "image/png").await),
            "NOT_FOUND"
        );
        assert_eq!(error_code(&upload_file(&app, &key, &job, "x.png", png(100), "image/png").await), "FORBIDDEN");
    }
);

const CAPTURED: &str = "mutation($j: ID!, $f: Upload!, $c: CaptureInput){ uploadAttachment(jobId:$j, file:$f, capture:$c){ id sha256 capturedAt createdAt position { latitude longitude accuracyMetres } } }";
const NOTE: &str = "mutation($j: ID!, $n: String!, $c: CaptureInput){ addJobNote(jobId:$j, note:$n, capture:$c){ id note capturedAt position { latitude } } }";

on_both_databases!(a_photo_or_note_sent_again_under_its_key_is_kept_once, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Resend Mutual").await;
    let c = contractor(&app, &admin, "resend", json!({"basePostcode": "2150"}), true).await;
    let (_, job) = won_job(&app, &admin, &key, &c).await;
    let taken = (chrono::Utc::now() - chrono::Duration::minutes(40)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let capture = |k: &str| json!({"clientKey": k, "capturedAt": taken, "position": {"latitude": -33.815, "longitude": 151.001, "accuracyMetres": 8.5}});
    let photo = png(20_000);
    let send = |k: &'static str, bytes: Vec<u8>| {
        let (app, token, job, cap) = (&app, c.token.clone(), job.clone(), capture(k));
        async move { upload_as(app, &token, CAPTURED, json!({"j": job, "c": cap}), "site.png", bytes, "image/png").await }
    };
    let first = send("0193f0c2-photo-0001", photo.clone()).await;
    assert!(first.get("errors").is_none(), "{first}");
    let a = &first["data"]["uploadAttachment"];
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(a["capturedAt"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&taken).unwrap()
    );
    assert_ne!(a["capturedAt"], a["createdAt"], "taken on site is not when the server got it");
    assert_eq!(a["position"], json!({"latitude": -33.815, "longitude": 151.001, "accuracyMetres": 8.5}));

    // Where the contractor's phone was is not the insurer's to see.
    let seen = app
        .ok(
            Some(&key),
            "query($id:ID!){ job(id:$id){ attachments { position { latitude } capturedAt } } }",
            json!({"id": job}),
        )
        .await;
    assert_eq!(seen["job"]["attachments"][0]["position"], Value::Null, "{seen}");
    assert!(seen["job"]["attachments"][0]["capturedAt"].is_string());
    // The answer was lost; the phone sends it again, several times at once on a flaky link.
    let again = futures_util::future::join_all((0..6).map(|_| send("0193f0c2-photo-0001", photo.clone()))).await;
    for r in &again {
        assert_eq!(r["data"]["uploadAttachment"]["id"], a["id"], "{r}");
    }
    // A fresh key, sent by several copies at once: one row and one stored file.
    let racing = futures_util::future::join_all((0..6).map(|_| send("0193f0c2-photo-0002", png(30_000)))).await;
    let ids: std::collections::BTreeSet<String> = racing
        .iter()
        .map(|r| r["data"]["uploadAttachment"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).into())
        .collect();
    assert_eq!(ids.len(), 1, "{racing:?}");
    let listed =
        app.ok(Some(&c.token), "query($id:ID!){ job(id:$id){ attachments { id } } }", json!({"id": job})).await;
    assert_eq!(listed["job"]["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(files_in(app.db.files.path()).await, 2, "the racing copies left no stray bytes");

    // The same key for other bytes is the phone's mistake, said on the key.
    let other = send("0193f0c2-photo-0001", png(999)).await;
    assert_eq!(error_code(&other), "CONFLICT");
    assert_eq!(error_field(&other), "capture.clientKey");
    // A capture dated in the future or before the job: refused on its field, nothing stored.
    let mut late = capture("0193f0c2-photo-0003");
    late["capturedAt"] = json!((chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339());
    let late = upload_as(&app, &c.token, CAPTURED, json!({"j": job, "c": late}), "x.png", png(500), "image/png").await;
    assert_eq!(error_code(&late), "BAD_USER_INPUT");
    assert_eq!(error_field(&late), "capture.capturedAt");
    let mut nowhere = capture("0193f0c2-photo-0004");
    nowhere["position"]["latitude"] = json!(123.0);
    let nowhere =
        upload_as(&app, &c.token, CAPTURED, json!({"j": job, "c": nowhere}), "x.png", png(500), "image/png").await;
    assert_eq!(error_field(&nowhere), "capture.position.latitude");
    let short =
        upload_as(&app, &c.token, CAPTURED, json!({"j": job, "c": capture("k1")}), "x.png", png(500), "image/png")
            .await;
    assert_eq!(error_field(&short), "capture.clientKey");
    assert_eq!(files_in(app.db.files.path()).await, 2);

    // Notes: the same, on the timeline.
    let note = |k: &str, text: &str| {
        let vars = json!({"j": job, "n": text, "c": capture(k)});
        let (app, token) = (&app, c.token.clone());
        async move { app.gql(Some(&token), NOTE, vars).await }
    };
    let notes =
        futures_util::future::join_all((0..6).map(|_| note("0193f0c2-note-0001", "Ceiling soaked; meter reads 38%")))
            .await;
    let first_note = &notes[0]["data"]["addJobNote"];
    assert_eq!(first_note["position"]["latitude"], -33.815);
    for r in &notes {
        assert_eq!(r["data"]["addJobNote"]["id"], first_note["id"], "{r}");
    }
    let clash = note("0193f0c2-note-0001", "Something else").await;
    assert_eq!(error_field(&clash), "capture.clientKey");
    let timeline =
        app.ok(Some(&admin), "query($id:ID!){ job(id:$id){ timeline { note capturedAt } } }", json!({"id": job})).await;
    let kept: Vec<&Value> = timeline["job"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["note"] == "Ceiling soaked; meter reads 38%")
        .collect();
    assert_eq!(kept.len(), 1, "{timeline}");
    assert!(kept[0]["capturedAt"].is_string());
    // One audit entry for the one note.
    let audit = app
        .ok(Some(&admin), "query{ auditLog(first: 100, filter:{action:\"job.noted\"}){ totalCount } }", json!({}))
        .await;
    assert_eq!(audit["auditLog"]["totalCount"], 1, "{audit}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_types_and_oversized_files_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let opts =
        TestOptions::default().env("ATTACHMENT_MAX_BYTES", "4096").env("ATTACHMENT_DIR", dir.path().to_str().unwrap());
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Strict Photo Mutual").await;
    let c = contractor(&app, &admin, "strict", json!({"basePostcode": "2150"}), true).await;
    let (_, job) = won_job(&app, &admin, &key, &c).await;

    // A script that claims to be a JPEG is judged by its bytes.
    let fake =
        upload_file(&app, &c.token, &job, "photo.jpg", b"<script>alert(1)</script>".to_vec(), "image/jpeg").await;
    assert_eq!(error_code(&fake), "BAD_USER_INPUT");
    assert_eq!(error_field(&fake), "file");
    let empty = upload_file(&app, &c.token, &job, "empty.png", vec![], "image/png").await;
    assert_eq!(error_field(&empty), "file");
    let big = upload_file(&app, &c.token, &job, "big.png", png(5000), "image/png").await;
    assert_eq!(error_field(&big), "file");
    assert!(big["errors"][0]["message"].as_str().unwrap().contains("4096"));
    // Far over the limit: refused before it is read.
    let operations = json!({"query": UPLOAD, "variables": {"j": job, "f": null}});
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.f"]}).to_string())
        .part("0", reqwest::multipart::Part::bytes(png(200_000)).file_name("huge.png"));
    let resp =
        app.http.post(format!("{}/graphql", app.base)).bearer_auth(&c.token).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["connection"], "close", "the unread body ends the connection");

    assert_eq!(files_in(dir.path()).await, 0, "no bytes kept for a refused upload");
    let listed = app.ok(Some(&admin), "query($id:ID!){ job(id:$id){ attachments { id } } }", json!({"id": job})).await;
    assert_eq!(listed["job"]["attachments"], json!([]));

    let pdf = upload_file(
        &app,
        &c.token,
        &job,
        "report.pdf",
        b"%PDF-1.7\n%fake but well-formed header\n".to_vec(),
        "application/pdf",
    )
    .await;
    assert_eq!(pdf["data"]["uploadAttachment"]["kind"], "REPORT");
    assert_eq!(files_in(dir.path()).await, 1);
}
