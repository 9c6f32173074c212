//! The detail page: actions (outside the live part, so a message being typed survives
//! updates), then the part each live update replaces: summary, steps, weights, ReplicaSets
//! and pods, approvals, analyses, the next plan, Events.

use std::fmt::Write;

use super::{charts, esc, seg};
use crate::dashboard::{auth::Verb, detail::Detail};

/// The buttons: (action in the URL, verb, label).
const BUTTONS: [(&str, Verb, &str); 6] = [
    ("promote", Verb::Promote, "Promote"),
    ("promote-full", Verb::Promote, "Promote fully"),
    ("abort", Verb::Abort, "Abort"),
    ("retry", Verb::Retry, "Retry"),
    ("approve", Verb::Approve, "Approve"),
    ("reject", Verb::Reject, "Reject"),
];

/// The page's content.
pub fn body(d: &Detail, allowed: &[Verb], now: jiff::Timestamp) -> String {
    let r = &d.row;
    let mut out = format!(
        r#"<nav class="crumbs"><a href="/">Rollouts</a> / {} / <strong>{}</strong></nav><section class="card actions" id="actions" data-endpoint="/api/v1/namespaces/{}/rollouts/{}"><h2>Actions</h2><div class="buttons">"#,
        esc(&r.namespace),
        esc(&r.name),
        seg(&r.namespace),
        seg(&r.name)
    );
    for (action, verb, label) in BUTTONS {
        let ok = allowed.contains(&verb);
        let _ = write!(
            out,
            r#"<button type="button" class="act act-{action}" data-action="{action}"{}>{label}</button>"#,
            if ok {
                String::new()
            } else {
                format!(r#" disabled title="you may not {} this rollout""#, verb.as_str())
            }
        );
    }
    let _ = write!(
        out,
        r#"</div><label class="message">Message <input id="action-message" type="text" maxlength="1024" placeholder="why (kept with the request, shown with approvals)"></label><p id="action-result" class="result" role="status" aria-live="polite"></p>{}</section><div id="detail">{}</div>"#,
        if allowed.is_empty() {
            r#"<p class="muted readonly">Read-only: you may not act on this rollout.</p>"#
        } else {
            ""
        },
        fragment(d, now)
    );
    out
}

/// The live part.
pub fn fragment(d: &Detail, now: jiff::Timestamp) -> String {
    let mut out = String::new();
    summary(&mut out, d);
    steps(&mut out, d);
    let _ = write!(
        out,
        r#"<section class="card"><h2>Traffic weight</h2>{}<p class="legend"><span class="key set"></span>set by the steps <span class="key achieved"></span>achieved</p></section>"#,
        charts::weights(&d.weights, now)
    );
    replica_sets(&mut out, d);
    approvals(&mut out, d);
    analysis(&mut out, d);
    plan(&mut out, d);
    events(&mut out, d);
    out
}

fn summary(out: &mut String, d: &Detail) {
    let r = &d.row;
    let phase = if r.phase.is_empty() { "-" } else { &r.phase };
    let _ = write!(
        out,
        r#"<section class="card summary" data-revision="{rev}"><h1>{name} <span class="badge phase-{phase}" id="phase">{phase}</span></h1><p class="message">{message}</p><dl class="facts"><dt>Strategy</dt><dd>{strategy}</dd><dt>Step</dt><dd id="step">{step}</dd><dt>Weight</dt><dd id="weight">{weight}</dd><dt>Ready</dt><dd id="ready">{ready}/{desired}</dd><dt>Updated</dt><dd>{updated}</dd><dt>Available</dt><dd>{available}</dd><dt>Stable revision</dt><dd><code>{stable}</code></dd><dt>Updated revision</dt><dd><code>{rev}</code></dd>"#,
        rev = esc(&r.updated_revision),
        name = esc(&r.name),
        phase = esc(phase),
        message = esc(&r.message),
        strategy = esc(&r.strategy),
        step = esc(&r.step_text()),
        weight = esc(&r.weight_text()),
        ready = r.ready,
        desired = r.desired,
        updated = r.updated,
        available = r.available,
        stable = esc(&r.stable_revision),
    );
    if !r.paused.is_empty() {
        let _ = write!(out, "<dt>Paused</dt><dd>{}</dd>", esc(&r.paused.join(", ")));
    }
    if let Some(l) = &r.last_request {
        let _ = write!(
            out,
            r#"<dt>Last request</dt><dd id="last-request">{} by {} at {}: {}</dd>"#,
            esc(&l.op),
            esc(if l.by.is_empty() { "?" } else { &l.by }),
            esc(&l.at),
            esc(&l.outcome)
        );
    }
    out.push_str("</dl>");
    if !r.conditions.is_empty() {
        out.push_str(r#"<table class="conditions"><thead><tr><th>Condition</th><th>Status</th><th>Reason</th><th>Message</th></tr></thead><tbody>"#);
        for c in &r.conditions {
            let _ = write!(
                out,
                r#"<tr><td data-label="Condition">{}</td><td data-label="Status" class="cond-{}">{}</td><td data-label="Reason">{}</td><td data-label="Message">{}</td></tr>"#,
                esc(&c.type_),
                esc(&c.status.to_ascii_lowercase()),
                esc(&c.status),
                esc(&c.reason),
                esc(&c.message)
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

fn steps(out: &mut String, d: &Detail) {
    if d.steps.is_empty() {
        return;
    }
    out.push_str(r#"<section class="card"><h2>Steps</h2><ol class="steps">"#);
    for s in &d.steps {
        let mark = s.mark.map(|m| format!(r#" <span class="mark mark-{m}">{m}</span>"#)).unwrap_or_default();
        let _ = write!(
            out,
            r#"<li class="step {state}" data-index="{i}"{title}><span class="dot"></span><span class="label">{label}</span>{mark}</li>"#,
            state = s.state,
            i = s.index,
            title = if s.note.is_empty() { String::new() } else { format!(r#" title="{}""#, esc(&s.note)) },
            label = esc(&s.label),
        );
    }
    out.push_str("</ol>");
    // The approval being waited for, in full.
    if let Some(s) = d.steps.iter().find(|s| s.state == "current" && !s.note.is_empty()) {
        let _ = write!(out, r#"<p class="muted approval-note">Approval: {}</p>"#, esc(&s.note));
    }
    out.push_str("</section>");
}

fn replica_sets(out: &mut String, d: &Detail) {
    out.push_str(r#"<section class="card"><h2>ReplicaSets and pods</h2>"#);
    if d.replica_sets.is_empty() {
        out.push_str(r#"<p class="muted">None yet.</p>"#);
    }
    for rs in &d.replica_sets {
        let _ = write!(
            out,
            r#"<div class="rs"><h3><code>{name}</code> <span class="muted">revision {rev}</span> {role}</h3><p class="muted">{images} · {ready} ready / {available} available / {replicas} wanted</p><ul class="pods">"#,
            name = esc(&rs.name),
            rev = rs.revision,
            role = if rs.role.is_empty() {
                String::new()
            } else {
                format!(r#"<span class="badge role">{}</span>"#, esc(&rs.role))
            },
            images = esc(&rs.images.join(", ")),
            ready = rs.ready,
            available = rs.available,
            replicas = rs.replicas,
        );
        for p in &rs.pods {
            let _ = write!(
                out,
                r#"<li class="pod {}" title="{} restarts, {} readiness flaps">{}{}</li>"#,
                if p.ready { "ready" } else { "unready" },
                p.restarts,
                p.flaps,
                esc(&p.name),
                if p.restarts > 0 {
                    format!(r#" <span class="restarts">↻{}</span>"#, p.restarts)
                } else {
                    String::new()
                }
            );
        }
        out.push_str("</ul></div>");
    }
    out.push_str("</section>");
}

fn approvals(out: &mut String, d: &Detail) {
    if d.approvals.is_empty() {
        return;
    }
    out.push_str(r#"<section class="card"><h2>Approvals of this revision</h2><ul class="approvals">"#);
    for a in &d.approvals {
        // Groups, when the record carries them (read from its JSON: older records have none).
        let groups = serde_json::to_value(a)
            .ok()
            .and_then(|v| v.get("groups").and_then(|g| g.as_array()).cloned())
            .map(|g| g.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
            .filter(|g| !g.is_empty())
            .map(|g| format!(" ({})", esc(&g)))
            .unwrap_or_default();
        let _ = write!(
            out,
            r#"<li class="{}"><strong>{}</strong> step {} by {}{} at {}{}</li>"#,
            if a.approved { "approved" } else { "rejected" },
            if a.approved { "approved" } else { "rejected" },
            a.step + 1,
            esc(&a.by),
            groups,
            esc(&a.at),
            if a.message.is_empty() { String::new() } else { format!(": “{}”", esc(&a.message)) }
        );
    }
    out.push_str("</ul></section>");
}

fn analysis(out: &mut String, d: &Detail) {
    if d.analysis.is_empty() {
        return;
    }
    out.push_str(r#"<section class="card"><h2>Analysis</h2>"#);
    for run in &d.analysis {
        let _ = write!(
            out,
            r#"<div class="run{}"><h3><code>{}</code> <span class="muted">{} · revision {}</span> <span class="badge verdict-{}">{}</span></h3><p class="muted">{}</p>"#,
            if run.superseded { " superseded" } else { "" },
            esc(&run.name),
            esc(&run.point),
            esc(&run.revision),
            esc(&run.phase.to_ascii_lowercase()),
            esc(&run.phase),
            esc(&run.message)
        );
        for m in &run.metrics {
            let _ = write!(
                out,
                r#"<div class="metric"><h4>{} <span class="badge verdict-{}">{}</span></h4><p class="muted"><code>{}</code> {}</p>{}</div>"#,
                esc(&m.name),
                esc(&m.phase.to_ascii_lowercase()),
                esc(&m.phase),
                esc(&m.condition),
                esc(&m.message),
                charts::metric(m)
            );
        }
        out.push_str("</div>");
    }
    out.push_str("</section>");
}

fn plan(out: &mut String, d: &Detail) {
    let p = &d.plan;
    out.push_str(r#"<section class="card"><h2>Next planned actions</h2>"#);
    if let Some(e) = &p.error {
        let _ = write!(out, r#"<p class="error">No plan: {}</p>"#, esc(e));
    } else if p.actions.is_empty() {
        out.push_str(r#"<p class="muted" id="plan-empty">Nothing to do now.</p>"#);
    } else {
        out.push_str(r#"<ol class="plan">"#);
        for a in &p.actions {
            let _ = write!(out, r#"<li><span class="kind">{}</span> {}</li>"#, esc(&a.kind), esc(&a.text));
        }
        out.push_str("</ol>");
    }
    let _ = write!(
        out,
        r#"<p class="muted">Then: phase {}{}{}.</p></section>"#,
        esc(if p.phase.is_empty() { "-" } else { &p.phase }),
        if p.message.is_empty() { String::new() } else { format!(" ({})", esc(&p.message)) },
        p.requeue_after_seconds.map(|s| format!("; looks again in {s}s")).unwrap_or_default()
    );
}

fn events(out: &mut String, d: &Detail) {
    out.push_str(r#"<section class="card"><h2>Recent events</h2>"#);
    if let Some(e) = &d.events_error {
        let _ = write!(out, r#"<p class="error">{}</p>"#, esc(e));
    } else if d.events.is_empty() {
        out.push_str(r#"<p class="muted">None.</p>"#);
    } else {
        out.push_str(r#"<table class="events"><thead><tr><th>Type</th><th>Reason</th><th>Message</th><th>Last seen</th></tr></thead><tbody>"#);
        for e in &d.events {
            let _ = write!(
                out,
                r#"<tr class="event-{}"><td data-label="Type">{}</td><td data-label="Reason">{}</td><td data-label="Message">{}</td><td data-label="Last seen">{}{}</td></tr>"#,
                esc(&e.type_.to_ascii_lowercase()),
                esc(&e.type_),
                esc(&e.reason),
                esc(&e.note),
                esc(&e.at),
                if e.count > 1 { format!(" (×{})", e.count) } else { String::new() }
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}
