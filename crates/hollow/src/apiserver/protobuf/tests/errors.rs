//! Malformed bodies, unsupported kinds and gogo-protobuf's decoding rules (merging, last value
//! wins, packed repeated fields, unknown fields); nothing panics.

use serde_json::json;

use super::{super::decode, envelope};

/// A field key; tags below 16 fit the one byte these tests write.
fn key(tag: u32, wire_type: u8) -> u8 {
    assert!(tag < 16);
    u8::try_from(tag << 3).unwrap() | wire_type
}

/// A length-delimited field (any tag, payload under 128 bytes).
fn bytes(tag: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut k = tag << 3 | 2;
    while k >= 0x80 {
        out.push(u8::try_from(k & 0x7f).unwrap() | 0x80);
        k >>= 7;
    }
    out.push(u8::try_from(k).unwrap());
    out.push(u8::try_from(payload.len()).unwrap());
    out.extend_from_slice(payload);
    out
}

fn err(body: &[u8]) -> String {
    decode(body).unwrap_err().0
}

#[test]
fn rejects_bodies_without_the_magic() {
    assert!(err(b"{\"kind\":\"Pod\"}").contains("does not appear to be a protobuf message"));
    assert!(err(b"").contains("expected prefix"));
}

#[test]
fn names_unsupported_kinds() {
    let e = err(&envelope("apps/v1", "StatefulSet", Vec::new()));
    assert!(e.contains("StatefulSet") && e.contains("apps/v1"), "{e}");
    let e = err(&envelope("events.k8s.io/v1", "Event", Vec::new()));
    assert!(e.contains("Event") && e.contains("events.k8s.io/v1"), "{e}");
    assert!(err(&envelope("v1", "", Vec::new())).contains("no kind"));
}

#[test]
fn wrong_wire_types_name_the_field() {
    let spec = bytes(1, b"x"); // replicas (varint) sent as bytes
    let e = err(&envelope("apps/v1", "Deployment", bytes(2, &spec)));
    assert_eq!(e, "decoding apps/v1 Deployment: at spec.replicas: wrong wire type 2");
    let e = err(&envelope("v1", "ConfigMap", vec![key(1, 0), 1]));
    assert_eq!(e, "decoding v1 ConfigMap: at metadata: wrong wire type 0");
}

#[test]
fn rejects_what_go_rejects_in_special_types() {
    let limits = bytes(1, &[bytes(1, b"cpu"), bytes(2, &bytes(1, b"lots"))].concat());
    let container = [bytes(1, b"c"), bytes(8, &limits)].concat();
    let pod = bytes(2, &bytes(2, &container));
    assert!(err(&envelope("v1", "Pod", pod)).contains("quantities must match"));

    let bad_int_or_string = bytes(4, &[key(1, 0), 2]);
    let service = bytes(2, &bytes(1, &bad_int_or_string));
    assert!(err(&envelope("v1", "Service", service)).contains("impossible IntOrString.Type 2"));

    let managed = bytes(17, &bytes(7, &bytes(1, b"{not json")));
    assert!(err(&envelope("v1", "Namespace", bytes(1, &managed))).contains("raw JSON is invalid"));
}

#[test]
fn follows_gogo_decoding_rules() {
    // Two metadata occurrences merge (the later name wins, labels add up); unknown tags are skipped.
    let body = [
        bytes(1, &bytes(1, b"first")),
        bytes(1, &[bytes(1, b"web"), bytes(11, &bytes(1, b"a"))].concat()),
        vec![key(15, 0), 1],
    ]
    .concat();
    let got = decode(&envelope("v1", "ServiceAccount", body)).unwrap();
    assert_eq!(got["metadata"], json!({"name": "web", "labels": {"a": ""}, "creationTimestamp": null}));

    // Packed and unpacked repeated int64, and a negative int32 in ten bytes.
    let negative = [key(1, 0), 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    let security = [bytes(4, &[1, 2]), vec![key(4, 0), 3, key(3, 0), 2, key(5, 0), 7, key(5, 0), 9]].concat();
    let spec = [bytes(2, &bytes(1, b"c")), bytes(14, &security)].concat();
    let pod = decode(&envelope("v1", "Pod", bytes(2, &spec))).unwrap();
    assert_eq!(
        pod["spec"]["securityContext"],
        json!({"supplementalGroups": [1, 2, 3], "runAsNonRoot": true, "fsGroup": 9})
    );
    let scale = decode(&envelope("autoscaling/v1", "Scale", bytes(2, &negative))).unwrap();
    assert_eq!(scale["spec"]["replicas"], json!(-2));
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let got = decode(&envelope("v1", "Namespace", bytes(1, &bytes(1, b"a\xffb")))).unwrap();
    assert_eq!(got["metadata"]["name"], "a\u{fffd}b");
}

#[test]
fn truncated_and_mutated_bodies_never_panic() {
    let original = include_bytes!("../testdata/capture/create_deployment.pb");
    for len in 0..original.len() {
        let _ = decode(&original[..len]);
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        let mut body = original.to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = 4 + (state as usize) % (body.len() - 4);
            body[at] = (state >> 32) as u8;
        }
        let _ = decode(&body);
    }
}
