//! The CSV dialect kube-apiserver reads its `--token-auth-file` with: Go's `encoding/csv`
//! with its defaults (comma-separated, no comments, no trimming, strict quotes) and a varying
//! number of fields per record.
//!
//! Rules, as Go applies them: a field that starts with `"` is quoted and may hold commas,
//! newlines and `""` (one quote); a quote anywhere else is an error (`bare " in
//! non-quoted-field`), as is a quoted field followed by anything but a comma or the end of the
//! line; `\r\n` counts as `\n`; empty lines are skipped; spaces are kept.

/// A line that does not parse, worded as Go's `csv.ParseError`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}parse error on line {line}, column {column}: {kind}", record_prefix(*.start_line, *.line))]
pub struct ParseError {
    /// Line the record started on (1-based).
    pub start_line: usize,
    /// Line of the error (1-based).
    pub line: usize,
    /// Byte column of the error (1-based).
    pub column: usize,
    /// What is wrong.
    pub kind: QuoteError,
}

fn record_prefix(start_line: usize, line: usize) -> String {
    if start_line == line { String::new() } else { format!("record on line {start_line}; ") }
}

/// The two quoting errors of a strict reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A `"` inside a field that did not start with one.
    #[error("bare \" in non-quoted-field")]
    Bare,
    /// A quoted field not closed, or closed and followed by something other than a comma.
    #[error("extraneous or missing \" in quoted-field")]
    Extraneous,
}

/// Every record of `text`, each with the line it starts on.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, ParseError> {
    let mut lines = Lines::new(text);
    let mut out = Vec::new();
    while let Some((number, line)) = lines.next_line() {
        if line.is_empty() {
            continue; // an empty line is no record
        }
        out.push((number, record(number, line, &mut lines)?));
    }
    Ok(out)
}

/// Lines without their `\n` / `\r\n`; whether the last one had a newline does not matter.
struct Lines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self { rest: text, number: 0 }
    }

    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        if self.rest.is_empty() {
            return None;
        }
        self.number += 1;
        let (line, rest) = self.rest.split_once('\n').unwrap_or((self.rest, ""));
        self.rest = rest;
        Some((self.number, line.strip_suffix('\r').unwrap_or(line)))
    }
}

fn record(start: usize, first: &str, lines: &mut Lines<'_>) -> Result<Vec<String>, ParseError> {
    let mut fields = Vec::new();
    let (mut line, mut line_no, mut col) = (first, start, 1usize);
    loop {
        let error = |line, column, kind| ParseError { start_line: start, line, column, kind };
        let Some(quoted) = line.strip_prefix('"') else {
            let (field, rest) = match line.split_once(',') {
                Some((f, r)) => (f, Some(r)),
                None => (line, None),
            };
            if let Some(j) = field.find('"') {
                return Err(error(line_no, col + j, QuoteError::Bare));
            }
            fields.push(field.to_string());
            match rest {
                Some(r) => {
                    col += field.len() + 1;
                    line = r;
                    continue;
                }
                None => return Ok(fields),
            }
        };
        // A quoted field: up to the closing quote, across lines.
        let mut field = String::new();
        line = quoted;
        col += 1;
        loop {
            if let Some(i) = line.find('"') {
                field.push_str(&line[..i]);
                line = &line[i + 1..];
                col += i + 1;
                if let Some(r) = line.strip_prefix('"') {
                    field.push('"');
                    line = r;
                    col += 1;
                } else if let Some(r) = line.strip_prefix(',') {
                    fields.push(std::mem::take(&mut field));
                    line = r;
                    col += 1;
                    break;
                } else if line.is_empty() {
                    fields.push(field);
                    return Ok(fields);
                } else {
                    return Err(error(line_no, col - 1, QuoteError::Extraneous));
                }
            } else {
                field.push_str(line);
                col += line.len();
                match lines.next_line() {
                    Some((n, next)) => {
                        field.push('\n');
                        line = next;
                        line_no = n;
                        col = 1;
                    }
                    None => return Err(error(line_no, col, QuoteError::Extraneous)),
                }
            }
        }
    }
}
