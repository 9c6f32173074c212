//! Size limits a real control plane puts on writes: the API server's request body limit and
//! etcd's request size limit.

use serde_json::Value;

use crate::apiserver::errors::ApiError;

/// `--max-request-body-bytes` default of the real API server (3 MiB).
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// etcd's default `--max-request-bytes` (1.5 MiB).
pub const ETCD_MAX_REQUEST_BYTES: usize = 1024 * 1024 + 512 * 1024;

/// 413 for a body over the limit (`limitedReadBody`).
pub fn request_body(body: &[u8]) -> Result<(), ApiError> {
    if body.len() > MAX_REQUEST_BODY_BYTES {
        return Err(ApiError::entity_too_large(format!("limit is {MAX_REQUEST_BODY_BYTES}")));
    }
    Ok(())
}

/// What etcd answers to an object too large to store: the API server passes the error on
/// untyped, so it is a 500 with no reason. Objects are stored as JSON here; a real server
/// stores built-in kinds as protobuf, a little smaller.
pub fn stored_object(obj: &Value) -> Result<(), ApiError> {
    let size = serde_json::to_vec(obj).map_or(0, |b| b.len());
    if size > ETCD_MAX_REQUEST_BYTES {
        return Err(ApiError::unknown(500, "etcdserver: request is too large"));
    }
    Ok(())
}
