//! A watch whose client has gone is released at once, not when an event is next written to
//! it: a thousand abandoned watches leave no tasks behind and the process does not grow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic: that is how they fail

use std::time::Duration;

use hollow::{clock::Clock, embedded};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Opens a watch over plain HTTP/1.1 and reads until its response head has arrived.
async fn open_watch(addr: std::net::SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: hollow\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed before the response head");
        head.extend_from_slice(&buf[..n]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head));
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_watches_are_released_and_memory_stays_flat() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let server = running.server.clone();
    let def = server.registry.lookup("", "v1", "configmaps").unwrap();
    // Enough state that every watch starts with a sizeable initial list.
    for i in 0..50 {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("cm-{i}"), "namespace": "default"}, "data": {"blob": "x".repeat(2048)}});
        let writer =
            hollow::apiserver::objects::Writer { manager: "test".into(), dry_run: false, strict: false };
        server
            .commit(
                &def,
                Some("default"),
                &format!("cm-{i}"),
                None,
                obj,
                hollow::apiserver::objects::Part::Main,
                &writer,
                true,
            )
            .unwrap();
    }
    let baseline = server.store.receivers();
    let wait_released = || async {
        // Bounded only so a broken build fails instead of hanging; releasing takes milliseconds.
        for _ in 0..2_000 {
            if server.store.receivers() == baseline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{} watches still open", server.store.receivers() - baseline);
    };
    // A first round warms the allocator up; memory is compared after it.
    for _ in 0..2 {
        let open: Vec<TcpStream> =
            futures::future::join_all((0..100).map(|_| open_watch(running.addr))).await;
        assert_eq!(server.store.receivers(), baseline + 100);
        drop(open);
        wait_released().await;
    }
    let before = rss_kib();
    for _ in 0..10 {
        let open: Vec<TcpStream> =
            futures::future::join_all((0..100).map(|_| open_watch(running.addr))).await;
        assert_eq!(server.store.receivers(), baseline + 100, "each watch holds one receiver");
        // No event is written to them: only the closed connection can end them.
        drop(open);
        wait_released().await;
    }
    let grown = rss_kib().saturating_sub(before);
    // Kept, 1,000 watches of this list would hold several hundred MiB.
    assert!(grown < 32 * 1024, "1,000 abandoned watches grew the process by {grown} KiB");
    running.stop().await.unwrap();
}
