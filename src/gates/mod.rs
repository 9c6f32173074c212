//! Gates outside the planner's reach: outbound webhooks. The planner decides *that* a
//! `confirmRollout` / `confirmPromotion` gate waits and records confirmations in status; this
//! module asks the receivers and sends the notifications (`onAbort`, `onComplete`, `event`),
//! each call signed, timed out and retried on tasks of its own — never on the reconcile path, so
//! a slow receiver delays nothing else. Approvals from people arrive as requests (see
//! `plan::request`) and are judged by `plan::gate`.

pub mod payload;
pub mod sender;
pub mod sign;

pub use sender::Webhooks;
