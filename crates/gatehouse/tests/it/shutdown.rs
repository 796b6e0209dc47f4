//! Graceful shutdown with a real listener: a request in flight when shutdown begins still gets
//! its answer; new connections are refused afterwards.

use std::time::Duration;

use gatehouse::config::ServeConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_finish_after_shutdown_begins() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServeConfig {
        listen: "127.0.0.1:0".into(),
        database_url: format!("sqlite://{}/g.db", dir.path().display()),
        public_url: None,
        master_key: None,
    };
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (started_tx, started_rx) = oneshot::channel();
    let server = tokio::spawn(gatehouse::server::serve(
        config,
        async move {
            let _ = stop_rx.await;
        },
        move |started| {
            let token = started
                .bootstrap_token
                .as_ref()
                .unwrap()
                .token
                .expose()
                .to_owned();
            let _ = started_tx.send((started.local_addr, token));
        },
    ));
    let (addr, token) = started_rx.await.unwrap();

    // Start a request and send only half of its body.
    let body = r#"{"name":"in flight"}"#;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/orgs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop_tx.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.is_finished(),
        "the server waits for the request in flight"
    );

    stream.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains("in flight"));

    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}
