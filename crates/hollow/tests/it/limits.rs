//! Request limits answered as the real API server answers them: a body over 3 MiB is 413
//! RequestEntityTooLarge, JSON nested past 10,000 levels is 400 BadRequest, a request head
//! too large is 431.

use hollow::{apiserver::limits, clock::Clock, embedded};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Sends one HTTP/1.1 request and returns (status code, body). The body is written while the
/// answer is read, since the server may answer (and close) before reading all of it.
async fn send(addr: std::net::SocketAddr, head_extra: &str, body: Vec<u8>, chunked: bool) -> (u16, Vec<u8>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let length = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {}", body.len())
    };
    let head = format!(
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: hollow\r\nContent-Type: application/json\r\nConnection: close\r\n{length}\r\n{head_extra}\r\n"
    );
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(head.as_bytes()).await;
        if chunked {
            for piece in body.chunks(64 * 1024) {
                let _ = wr.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).await;
                let _ = wr.write_all(piece).await;
                let _ = wr.write_all(b"\r\n").await;
            }
            let _ = wr.write_all(b"0\r\n\r\n").await;
        } else {
            let _ = wr.write_all(&body).await;
        }
        wr
    });
    let mut out = Vec::new();
    let _ = rd.read_to_end(&mut out).await;
    drop(writer.await);
    let text = String::from_utf8_lossy(&out);
    let code = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    (code, out[split..].to_vec())
}

fn configmap_of(data_len: usize) -> Vec<u8> {
    let v = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{data_len}")},
                               "data": {"blob": "x".repeat(data_len)}});
    serde_json::to_vec(&v).unwrap()
}

fn status(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not a Status ({e}): {}", String::from_utf8_lossy(body)))
}

#[tokio::test]
async fn body_over_three_mebibytes_is_413_request_entity_too_large() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let over = configmap_of(limits::MAX_REQUEST_BODY_BYTES);
    assert!(over.len() > 3 * 1024 * 1024);
    for chunked in [false, true] {
        let (code, body) = send(running.addr, "", over.clone(), chunked).await;
        assert_eq!(code, 413, "chunked: {chunked}");
        let s = status(&body);
        assert_eq!(s["kind"], "Status");
        assert_eq!(s["reason"], "RequestEntityTooLarge");
        assert_eq!(s["code"], 413);
        assert_eq!(s["message"], "Request entity too large: limit is 3145728");
    }
    // Under the limit (but over axum's default 2 MB) the body is read and judged on its
    // content: this ConfigMap is over the 1 MiB data limit, a 422, not a 413.
    let (code, body) = send(running.addr, "", configmap_of(2_500_000), false).await;
    assert_eq!(code, 422, "{}", String::from_utf8_lossy(&body));
    assert_eq!(status(&body)["reason"], "Invalid");
    running.stop().await.unwrap();
}

#[tokio::test]
async fn json_nested_past_ten_thousand_levels_is_400() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let depth = limits::MAX_JSON_DEPTH; // the object itself is one level
    let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let body =
        format!(r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"deep"}},"data":{nested}}}"#);
    let (code, out) = send(running.addr, "", body.into_bytes(), false).await;
    assert_eq!(code, 400);
    let s = status(&out);
    assert_eq!(s["reason"], "BadRequest");
    assert_eq!(
        s["message"],
        "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; \
         json parse error: invalid character '[' exceeded max depth ({\"apiVersion\":\"v1\",\"kind\":\"Con ...)"
    );
    // Brackets inside strings do not count.
    assert_eq!(limits::nesting_exceeded(format!("{{\"a\":\"{}\"}}", "[".repeat(20_000)).as_bytes()), None);
    assert_eq!(
        limits::nesting_exceeded(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).as_bytes()),
        None
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn request_head_too_large_is_431() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let header = format!("X-Padding: {}\r\n", "p".repeat(2 << 20));
    let (code, _) = send(running.addr, &header, configmap_of(10), false).await;
    assert_eq!(code, 431);
    // An ordinary head passes.
    let (code, _) = send(running.addr, "X-Small: yes\r\n", configmap_of(10), false).await;
    assert_eq!(code, 201);
    running.stop().await.unwrap();
}
