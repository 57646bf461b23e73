use nrp_tests::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let h = app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(h.status(), 200);
    let r = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["redis"], "not configured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_redis_when_it_goes_away_and_logins_keep_working() {
    let mut redis = OwnRedis::start(None).await;
    let opts = TestOptions::default().env("REDIS_URL", &format!("redis://127.0.0.1:{}", redis.port));
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let ready = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let (_, email) = register_contractor(&app, "redisdown").await;

    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    let r = app.http.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["failing"], json!(["redis"]));
    assert_eq!(body["database"], "ok");
    // The rate limiter falls back to counting locally; logging in still works.
    app.login(&email, CONTRACTOR_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_a_request_id_and_security_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let r =
        app.http.post(format!("{}/graphql", app.base)).json(&json!({"query": "{ __typename }"})).send().await.unwrap();
    let h = r.headers();
    assert!(h.get("x-request-id").is_some_and(|v| !v.is_empty()));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.get("content-security-policy").is_some());
    let mine = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("x-request-id", "abc-123")
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(mine.headers()["x-request-id"], "abc-123");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_one_megabyte_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let big = "x".repeat(1024 * 1024 + 10);
    let r = app
        .http
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": format!("{{ __typename }} # {big}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_capped_and_deep_queries_refused_with_a_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops: Vec<_> = (0..11).map(|_| json!({"query": "{ __typename }"})).collect();
    let r: serde_json::Value =
        app.http.post(format!("{}/graphql", app.base)).json(&ops).send().await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&r), "BAD_USER_INPUT");
    let ok: serde_json::Value =
        app.http.post(format!("{}/graphql", app.base)).json(&ops[..3]).send().await.unwrap().json().await.unwrap();
    assert_eq!(ok.as_array().unwrap().len(), 3);

    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
    let body = app.gql(None, deep, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let syntax = app.gql(None, "{ nope", json!({})).await;
    assert_eq!(error_code(&syntax), "BAD_USER_INPUT");
    let unknown_field = app.gql(None, "{ nothingHere }", json!({})).await;
    assert_eq!(error_code(&unknown_field), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_operations_by_name_and_errors_by_code() {
    let token = "metrics-token-0123456789";
    let opts = TestOptions::default().env("METRICS_TOKEN", token).env("METRICS_BIND_ADDR", "127.0.0.1:0");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    app.http
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": "query WhoAmI { me { id } }", "operationName": "WhoAmI"}))
        .send()
        .await
        .unwrap();
    let metrics = format!("{}/metrics", app.base);
    assert_eq!(app.http.get(&metrics).send().await.unwrap().status(), 401, "no token, no metrics");
    assert_eq!(app.http.get(&metrics).bearer_auth("metrics-token-wrong-wrong").send().await.unwrap().status(), 401);
    let text = app.http.get(&metrics).bearer_auth(token).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("nrp_graphql_requests_total{operation=\"WhoAmI\"} 1"), "{text}");
    assert!(text.contains("nrp_graphql_errors_total{code=\"UNAUTHENTICATED\"} 1"), "{text}");
    assert!(text.contains("nrp_graphql_request_duration_seconds_bucket{operation=\"WhoAmI\""), "{text}");
    // The monitoring listener serves them without a token, and nothing else.
    let own = format!("http://{}", app.metrics_addr.unwrap());
    let open = app.http.get(format!("{own}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(open.contains("nrp_graphql_requests_total"), "{open}");
    assert_eq!(app.http.post(format!("{own}/graphql")).send().await.unwrap().status(), 404);
    // Without a token configured, the main address does not serve them at all.
    let bare = TestApp::spawn(Backend::Sqlite).await;
    assert_eq!(bare.http.get(format!("{}/metrics", bare.base)).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_hides_introspection_and_graphiql() {
    let opts = TestOptions::default().env("NRP_ENV", "production");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let body = app.gql(None, "{ __schema { types { name } } }", json!({})).await;
    assert!(body.get("errors").is_some() || body["data"]["__schema"].is_null(), "{body}");
    let html = |app: &TestApp| app.http.get(format!("{}/graphql", app.base)).header("accept", "text/html").send();
    assert_eq!(html(&app).await.unwrap().status(), 405, "no GraphiQL in production");
    let dev = TestApp::spawn(Backend::Sqlite).await;
    let page = html(&dev).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
    let api_get = dev.http.get(format!("{}/graphql?query={{__typename}}", dev.base)).send().await.unwrap();
    assert_eq!(api_get.status(), 405, "no operation runs over GET");
    assert_eq!(api_get.headers()["allow"], "POST");
    // Field suggestions would map the schema for a prober.
    let typo = app.gql(None, "{ contractr(id: \"x\") { id } }", json!({})).await;
    assert!(!typo.to_string().contains("Did you mean"), "{typo}");
    let dev_typo = dev.gql(None, "{ contractr(id: \"x\") { id } }", json!({})).await;
    assert!(dev_typo.to_string().contains("Did you mean"), "suggestions stay on in development: {dev_typo}");
}

#[test]
fn production_refuses_to_start_without_a_strong_jwt_secret() {
    let err = nrp_server::Config::from_lookup(|k| (k == "NRP_ENV").then(|| "production".to_string())).unwrap_err();
    assert_eq!(err.name, "JWT_SECRET");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_only_the_configured_origins() {
    let opts = TestOptions::default().env("CORS_ALLOWED_ORIGINS", "https://app.nrp.example");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight("https://app.nrp.example").await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.nrp.example");
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_two_web_apps_are_served_with_deep_links_caching_and_compression() {
    use std::io::Write;
    let dist = tempfile::tempdir().unwrap();
    let write = |path: &str, body: &[u8]| {
        let p = dist.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::File::create(p).unwrap().write_all(body).unwrap();
    };
    write("index.html", b"<title>contractor app</title>");
    write("admin/index.html", b"<title>admin app</title>");
    write("nrp-web-0123456789abcdef.js", b"console.log('contractor');");
    // The server sends the precompressed file as it is; its bytes stand for a real gzip.
    let gz = b"precompressed-gzip-bytes".to_vec();
    write("nrp-web-0123456789abcdef.js.gz", &gz);
    let br = b"precompressed-brotli-bytes".to_vec();
    write("nrp-web-0123456789abcdef.js.br", &br);
    write("admin/nrp-admin-fedcba9876543210.js", b"console.log('admin');");
    let app =
        TestApp::spawn_with(Backend::Sqlite, TestOptions::default().env("WEB_DIST_DIR", dist.path().to_str().unwrap()))
            .await;
    let get = |path: &str| app.http.get(format!("{}{path}", app.base)).send();

    for (path, title) in [
        ("/", "contractor app"),
        ("/jobs/0191", "contractor app"),
        ("/admin", "admin app"),
        ("/admin/leads/0191", "admin app"),
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-cache", "{path}: index.html is never cached");
        assert!(r.text().await.unwrap().contains(title), "{path} is the {title}");
    }
    let js = app
        .http
        .get(format!("{}/nrp-web-0123456789abcdef.js", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(js.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(js.headers()["content-encoding"], "gzip", "the precompressed copy is sent");
    assert_eq!(js.bytes().await.unwrap().as_ref(), gz.as_slice());
    let js = app
        .http
        .get(format!("{}/nrp-web-0123456789abcdef.js", app.base))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(js.headers()["content-encoding"], "br", "brotli, the smaller copy, for a browser that takes it");
    assert_eq!(js.headers()["vary"], "accept-encoding", "a shared cache keeps the encodings apart");
    assert_eq!(js.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(js.bytes().await.unwrap().as_ref(), br.as_slice());
    let plain = get("/nrp-web-0123456789abcdef.js").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none(), "no gzip for a client that did not ask");
    assert_eq!(plain.text().await.unwrap(), "console.log('contractor');");
    let admin_js = get("/admin/nrp-admin-fedcba9876543210.js").await.unwrap();
    assert_eq!(admin_js.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(admin_js.text().await.unwrap(), "console.log('admin');");
    // The API is not shadowed by the apps.
    assert_eq!(get("/healthz").await.unwrap().status().as_u16(), 200);
}
