use futures_util::{SinkExt, StreamExt};
use nrp_tests::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Socket {
    let mut req = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (socket, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    socket
}

async fn next_json(socket: &mut Socket) -> Option<Value> {
    let deadline = std::time::Duration::from_secs(5);
    loop {
        match tokio::time::timeout(deadline, socket.next()).await.expect("a frame within 5 s") {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
        }
    }
}

on_both_databases!(
    a_websocket_client_authenticates_in_connection_init_and_runs_operations,
    |app: TestApp| async move {
        let (_, email) = register_contractor(&app, "ws").await;
        let token = app.login(&email, CONTRACTOR_PASSWORD).await;
        let mut socket = connect(&app).await;
        let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}});
        socket.send(Message::Text(init.to_string().into())).await.unwrap();
        assert_eq!(next_json(&mut socket).await.unwrap()["type"], "connection_ack");
        let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ me { email role } }"}});
        socket.send(Message::Text(sub.to_string().into())).await.unwrap();
        let next = next_json(&mut socket).await.unwrap();
        assert_eq!(next["type"], "next");
        assert_eq!(next["payload"]["data"]["me"]["email"], email);
        assert_eq!(next_json(&mut socket).await.unwrap()["type"], "complete");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_with_a_bad_token_is_closed_without_an_ack() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut socket = connect(&app).await;
    let init = json!({"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}});
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    assert!(next_json(&mut socket).await.is_none(), "the server must close instead of acknowledging");
}
