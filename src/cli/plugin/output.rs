//! How the plugin prints: structured output (`-o json|yaml`), colour only on a terminal,
//! kubectl-style aligned tables and ages.

use std::io::{IsTerminal, Write};

use anyhow::Context;
use serde::Serialize;

use crate::cli::{CliError, Output};

/// Writes `value` as pretty JSON or YAML (`Output::Text` is the caller's to render).
pub fn structured<T: Serialize>(out: &mut dyn Write, format: Output, value: &T) -> Result<(), CliError> {
    match format {
        Output::Yaml => {
            let text = serde_saphyr::to_string(value).context("encoding YAML")?;
            out.write_all(text.as_bytes()).context("writing output")?;
        }
        Output::Json | Output::Text => {
            serde_json::to_writer_pretty(&mut *out, value).context("encoding JSON")?;
            writeln!(out).context("writing output")?;
        }
    }
    Ok(())
}

/// ANSI colours, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Whether to emit colour codes.
    pub colour: bool,
}

/// A colour a piece of text may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// Healthy, ready, passed.
    Green,
    /// Paused, waiting, progressing.
    Yellow,
    /// Degraded, aborted, failed, not ready.
    Red,
    /// Marks and secondary detail.
    Cyan,
    /// Secondary text.
    Dim,
}

impl Colour {
    fn code(self) -> &'static str {
        match self {
            Colour::Green => "32",
            Colour::Yellow => "33",
            Colour::Red => "31",
            Colour::Cyan => "36",
            Colour::Dim => "2",
        }
    }
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set (no-color.org: any
    /// non-empty value turns colour off).
    pub fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self::decide(std::io::stdout().is_terminal(), no_color)
    }

    /// The decision itself.
    pub fn decide(terminal: bool, no_color: bool) -> Self {
        Self { colour: terminal && !no_color }
    }

    /// `text` in `colour`, or as it is.
    pub fn paint(self, colour: Option<Colour>, text: &str) -> String {
        match colour {
            Some(c) if self.colour && !text.is_empty() => format!("\x1b[{}m{text}\x1b[0m", c.code()),
            _ => text.to_string(),
        }
    }
}

/// The colour of a phase name.
pub fn phase_colour(phase: &str) -> Option<Colour> {
    match phase {
        "Healthy" | "Successful" | "Ready" => Some(Colour::Green),
        "Paused" | "Progressing" | "Running" | "Pending" | "Inconclusive" => Some(Colour::Yellow),
        "Degraded" | "Aborted" | "Failed" | "Error" => Some(Colour::Red),
        _ => None,
    }
}

/// One table cell: its text and an optional colour (widths count the text only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Its colour.
    pub colour: Option<Colour>,
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell { text, colour: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell { text: text.into(), colour: None }
    }
}

/// A table printed as kubectl does: upper-case headers, columns three spaces apart.
pub fn table(
    out: &mut dyn Write,
    style: Style,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<(), CliError> {
    const GAP: usize = 3;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.text.chars().count());
            }
        }
    }
    let mut line = |cells: Vec<Cell>| -> Result<(), CliError> {
        let last = cells.len().saturating_sub(1);
        let mut s = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            s.push_str(&style.paint(c.colour, &c.text));
            if i < last {
                let pad = widths.get(i).copied().unwrap_or(0) + GAP - c.text.chars().count();
                s.push_str(&" ".repeat(pad));
            }
        }
        writeln!(out, "{s}").context("writing output")?;
        Ok(())
    };
    line(headers.iter().map(|h| Cell::from(*h)).collect())?;
    for row in rows {
        line(row.clone())?;
    }
    Ok(())
}

/// An age as kubectl prints it (`45s`, `3m20s`, `2h10m`, `5d`).
pub fn age(since: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = now.duration_since(since).as_secs().max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => format!("{m}m{}s", s % 60),
        s if s < 3 * 3600 => format!("{m}m"),
        s if s < 8 * 3600 => format!("{h}h{}m", m % 60),
        s if s < 2 * 86_400 => format!("{h}h"),
        s if s < 8 * 86_400 => format!("{d}d{}h", h % 24),
        s if s < 365 * 86_400 => format!("{d}d"),
        _ => format!("{}y{}d", d / 365, d % 365),
    }
}

/// The current time (the plugin reads the wall clock only to print ages).
pub fn now() -> jiff::Timestamp {
    crate::controller::clock::Clock::system().now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(Style::decide(true, false).colour);
        assert!(!Style::decide(false, false).colour);
        assert!(!Style::decide(true, true).colour);
        assert_eq!(Style::decide(false, false).paint(Some(Colour::Red), "x"), "x");
        assert_eq!(Style::decide(true, false).paint(Some(Colour::Red), "x"), "\x1b[31mx\x1b[0m");
    }

    #[test]
    fn ages_read_like_kubectl() {
        let t0 = jiff::Timestamp::UNIX_EPOCH;
        let at = |s: i64| t0 + jiff::SignedDuration::from_secs(s);
        assert_eq!(age(t0, at(45)), "45s");
        assert_eq!(age(t0, at(200)), "3m20s");
        assert_eq!(age(t0, at(3000)), "50m");
        assert_eq!(age(t0, at(4 * 3600 + 600)), "4h10m");
        assert_eq!(age(t0, at(30 * 3600)), "30h");
        assert_eq!(age(t0, at(3 * 86_400 + 7200)), "3d2h");
        assert_eq!(age(t0, at(40 * 86_400)), "40d");
        assert_eq!(age(at(10), t0), "0s", "a clock behind the server is not negative");
    }

    #[test]
    fn tables_align_on_text_not_colour_codes() {
        let mut out = Vec::new();
        let rows =
            vec![vec![Cell::from("web"), Cell { text: "Healthy".into(), colour: Some(Colour::Green) }]];
        table(&mut out, Style { colour: true }, &["NAME", "PHASE"], &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "NAME   PHASE\nweb    \x1b[32mHealthy\x1b[0m\n");
    }
}
