//! The benchmark's HTTP and WebSocket client.

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The p-th percentile (nearest rank) of samples.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut v = samples.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Api { base: base.to_string(), http: reqwest::Client::new() }
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> anyhow::Result<Value> {
        let mut req =
            self.http.post(format!("{}/graphql", self.base)).json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Ok(req.send().await?.json().await?)
    }

    pub async fn data(&self, token: Option<&str>, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body = self.gql(token, query, variables).await?;
        if let Some(e) = body.get("errors") {
            bail!("GraphQL errors: {e}");
        }
        Ok(body["data"].clone())
    }

    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let d = self
            .data(
                None,
                "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on AuthPayload { accessToken } } }",
                json!({"e": email, "p": password}),
            )
            .await?;
        Ok(d["login"]["accessToken"].as_str().context("token")?.to_string())
    }

    pub async fn insurer_key(&self, admin: &str) -> anyhow::Result<String> {
        let p = self
            .data(
                Some(admin),
                "mutation{ createPartner(input:{name:\"Bench Insurance\", kind:INSURER}){ id } }",
                json!({}),
            )
            .await?;
        let k = self
            .data(
                Some(admin),
                "mutation($p:ID!){ createApiKey(input:{partnerId:$p, label:\"bench\"}){ secret } }",
                json!({"p": p["createPartner"]["id"]}),
            )
            .await?;
        Ok(k["createApiKey"]["secret"].as_str().context("secret")?.to_string())
    }

    /// Registers, verifies and logs in a contractor; returns (id, token).
    pub async fn contractor(
        &self,
        db: &str,
        admin: &str,
        postcode: &str,
        n: usize,
        specialties: &[&str],
    ) -> anyhow::Result<(String, String)> {
        let email = format!("bench{n}-{}@contractor.example", uuid::Uuid::new_v4().simple());
        let input = json!({
            "companyName": format!("Bench Contractor {n}"), "abn": abn(n), "contactName": "Bench", "email": email,
            "phone": "0412 345 678", "password": "bench-contractor-password", "basePostcode": postcode,
            "serviceRadiusKm": 80, "specialties": specialties, "maxActiveJobs": 1000
        });
        self.data(
            None,
            "mutation($i:RegisterContractorInput!){ registerContractor(input:$i){ email } }",
            json!({"i": input}),
        )
        .await?;
        // A sign-up says nothing of the company it made, and NRP verifies a company only once its
        // login's email is proven: the benchmark reads the id and proves the address in the
        // database, as the emailed link would.
        let id = crate::server::psql(
            db,
            &format!(
                "INSERT INTO notification_settings (user_id, email_verified_at, choices, updated_at) \
                 SELECT id, now(), '{{}}', now() FROM users WHERE email = '{email}' \
                 ON CONFLICT (user_id) DO UPDATE SET email_verified_at = now(); \
                 SELECT contractor_id FROM users WHERE email = '{email}'"
            ),
        )
        .await?;
        let id = id.lines().last().context("the sign-up's company")?.to_string();
        self.data(Some(admin), "mutation($id:ID!){ verifyContractor(id:$id){ id } }", json!({"id": id})).await?;
        Ok((id, self.login(&email, "bench-contractor-password").await?))
    }

    /// Signs a new company up (anonymous, as on the web) and leaves it `PENDING`.
    pub async fn sign_up(&self, n: usize) -> anyhow::Result<()> {
        let input = json!({
            "companyName": format!("Signup Load {n}"), "abn": abn(n), "contactName": "Load",
            "email": format!("load{n}-{}@contractor.example", uuid::Uuid::new_v4().simple()),
            "phone": "0412 345 678", "password": "bench-contractor-password", "basePostcode": "2000",
            "serviceRadiusKm": 20, "specialties": ["FIRE"], "maxActiveJobs": 5
        });
        self.data(
            None,
            "mutation($i:RegisterContractorInput!){ registerContractor(input:$i){ id } }",
            json!({"i": input}),
        )
        .await?;
        Ok(())
    }

    /// Creates a Sydney water lead with a fresh customer phone; returns (id, createdAt).
    pub async fn create_lead(&self, key: &str) -> anyhow::Result<(String, chrono::DateTime<chrono::Utc>)> {
        let phone = format!("04{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
        let input = json!({
            "customer": {"name": "Bench Customer", "phone": phone},
            "property": {"address": "1 Test St", "suburb": "Sydney", "state": "NSW", "postcode": "2000"},
            "damageType": "WATER", "urgency": "HIGH", "estimatedValueCents": 500000, "description": "benchmark lead"
        });
        let d = self
            .data(
                Some(key),
                "mutation($i:CreateLeadInput!){ createLead(input:$i){ id createdAt } }",
                json!({"i": input}),
            )
            .await?;
        let id = d["createLead"]["id"].as_str().context("lead id")?.to_string();
        let at = chrono::DateTime::parse_from_rfc3339(d["createLead"]["createdAt"].as_str().context("createdAt")?)?
            .with_timezone(&chrono::Utc);
        Ok((id, at))
    }

    /// (offer id, contractor id) of a lead's open offers.
    pub async fn open_offers(&self, admin: &str, lead: &str) -> anyhow::Result<Vec<(String, String)>> {
        let d = self
            .data(
                Some(admin),
                "query($id:ID!){ lead(id:$id){ offers { id status contractor { id } } } }",
                json!({"id": lead}),
            )
            .await?;
        Ok(d["lead"]["offers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|o| o["status"] == "OPEN")
                    .map(|o| {
                        (
                            o["id"].as_str().unwrap_or_default().to_string(),
                            o["contractor"]["id"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// True when this accept won; a lost race is a CONFLICT and false.
    pub async fn accept(&self, token: &str, offer: &str) -> anyhow::Result<bool> {
        let body = self
            .gql(Some(token), "mutation($id:ID!){ acceptOffer(offerId:$id){ job { id } } }", json!({"id": offer}))
            .await?;
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => Ok(true),
            Some("CONFLICT") => Ok(false),
            Some(other) => bail!("accept failed with {other}: {body}"),
        }
    }
}

/// A valid ABN for contractor `n`: the body is derived from `n`, the first two digits fix the checksum.
fn abn(n: usize) -> String {
    const W: [u32; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    let body = format!("{:09}", (n as u64 * 7_919 + 104_729) % 1_000_000_000);
    for p in 10..100u32 {
        let s = format!("{p}{body}");
        let sum: u32 = s.bytes().enumerate().map(|(i, b)| (u32::from(b - b'0') - u32::from(i == 0)) * W[i]).sum();
        if sum.is_multiple_of(89) {
            return s;
        }
    }
    body
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Socket(Ws);

impl Socket {
    /// Connects, authenticates in `connection_init` and waits for the ack.
    pub async fn connect(url: &str, token: &str) -> anyhow::Result<Socket> {
        let mut req = url.into_client_request()?;
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
        let (ws, _) = tokio_tungstenite::connect_async(req).await?;
        let mut s = Socket(ws);
        s.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})).await?;
        match s.next_json().await {
            Some(v) if v["type"] == "connection_ack" => Ok(s),
            other => bail!("no connection_ack: {other:?}"),
        }
    }

    async fn send(&mut self, v: Value) -> anyhow::Result<()> {
        self.0.send(Message::Text(v.to_string().into())).await?;
        Ok(())
    }

    pub async fn subscribe(&mut self, id: &str, query: &str) -> anyhow::Result<()> {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query}})).await
    }

    /// The next JSON message; `None` when the socket ends.
    pub async fn next_json(&mut self) -> Option<Value> {
        loop {
            match self.0.next().await? {
                Ok(Message::Text(t)) => return serde_json::from_str(&t).ok(),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }
}
