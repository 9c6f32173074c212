//! The real kubectl with tokens (see the protobuf captures for what it sends).
