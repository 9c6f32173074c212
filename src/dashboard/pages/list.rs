//! The list: one row per Rollout; on a phone each row becomes a card.

use std::fmt::Write;

use super::{esc, seg};
use crate::dashboard::view::Row;

/// The list page's content.
pub fn body(rows: &[Row]) -> String {
    let mut out = String::from(
        r#"<section class="card"><h1>Rollouts</h1><table class="rollouts"><thead><tr><th>Namespace</th><th>Name</th><th>Strategy</th><th>Phase</th><th>Step</th><th>Weight</th><th>Ready</th><th>Health</th></tr></thead><tbody id="rows">"#,
    );
    for r in rows {
        out.push_str(&row(r));
    }
    out.push_str("</tbody></table>");
    let _ = write!(
        out,
        r#"<p id="empty" class="muted"{}>No rollouts you may see.</p></section>"#,
        if rows.is_empty() { "" } else { " hidden" }
    );
    out
}

/// The element id of a Rollout's row.
pub fn row_id(namespace: &str, name: &str) -> String {
    format!("row-{}-{}", seg(namespace), seg(name))
}

/// One row (also sent as the fragment of a live update).
pub fn row(r: &Row) -> String {
    let href = format!("/rollouts/{}/{}", seg(&r.namespace), seg(&r.name));
    format!(
        r#"<tr id="{id}" data-key="{key}"><td class="namespace" data-label="Namespace">{ns}</td><td class="name" data-label="Name"><a href="{href}">{name}</a></td><td class="strategy" data-label="Strategy">{strategy}</td><td class="phase" data-label="Phase"><span class="badge phase-{phase_class}">{phase}</span></td><td class="step" data-label="Step">{step}</td><td class="weight" data-label="Weight">{weight}</td><td class="ready" data-label="Ready">{ready}/{desired}</td><td class="health" data-label="Health" title="{message}">{health}</td></tr>"#,
        id = esc(&row_id(&r.namespace, &r.name)),
        key = esc(&format!("{}/{}", r.namespace, r.name)),
        ns = esc(&r.namespace),
        name = esc(&r.name),
        strategy = esc(&r.strategy),
        phase_class = esc(if r.phase.is_empty() { "none" } else { &r.phase }),
        phase = esc(if r.phase.is_empty() { "-" } else { &r.phase }),
        step = esc(&r.step_text()),
        weight = esc(&r.weight_text()),
        ready = r.ready,
        desired = r.desired,
        message = esc(&r.message),
        health = esc(&r.health_text()),
    )
}
