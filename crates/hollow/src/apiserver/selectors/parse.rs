//! The label selector grammar of apimachinery's `labels.Parse`: a lexer of identifiers and
//! operators, then requirements separated by commas. Errors are the real server's messages
//! (`unable to parse requirement: ...`, `found 'x', expected: ...`), which it answers as a 400.

use super::{
    LabelReq,
    names::{label_key_errors, label_value_errors},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    Not,
    DoubleEquals,
    Equals,
    Greater,
    Ident,
    In,
    Less,
    NotEquals,
    NotIn,
    OpenPar,
}

fn symbol(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::Not,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::Greater,
        "in" => Tok::In,
        "<" => Tok::Less,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_special(c: u8) -> bool {
    b"=!(),><".contains(&c)
}

fn is_space(c: u8) -> bool {
    b" \t\r\n".contains(&c)
}

/// Splits the selector into tokens, the last one `End`.
fn lex(s: &str) -> Vec<(Tok, String)> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_space(b[pos]) {
            pos += 1;
        }
        let Some(&c) = b.get(pos) else {
            out.push((Tok::End, String::new()));
            return out;
        };
        if is_special(c) {
            // The longest run of special characters that is an operator.
            let (mut buf, mut last) = (Vec::new(), None);
            while let Some(&c) = b.get(pos).filter(|c| is_special(**c)) {
                buf.push(c);
                match symbol(&String::from_utf8_lossy(&buf)) {
                    Some(t) => last = Some((t, String::from_utf8_lossy(&buf).into_owned())),
                    None if last.is_some() => break,
                    None => {}
                }
                pos += 1;
            }
            match last {
                Some(t) => out.push(t),
                None => out.push((
                    Tok::Error,
                    format!("error expected: keyword found '{}'", String::from_utf8_lossy(&buf)),
                )),
            }
        } else {
            let start = pos;
            while pos < b.len() && !is_special(b[pos]) && !is_space(b[pos]) {
                pos += 1;
            }
            let word = String::from_utf8_lossy(&b[start..pos]).into_owned();
            out.push((
                symbol(&word).filter(|t| matches!(t, Tok::In | Tok::NotIn)).unwrap_or(Tok::Ident),
                word,
            ));
        }
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    at: usize,
}

/// In value position `in` and `notin` are plain identifiers.
fn as_value(t: Tok) -> Tok {
    if matches!(t, Tok::In | Tok::NotIn) { Tok::Ident } else { t }
}

impl Parser {
    fn peek(&self) -> (Tok, String) {
        let (t, l) = self.items.get(self.at).cloned().unwrap_or((Tok::End, String::new()));
        (as_value(t), l)
    }

    fn next(&mut self, value: bool) -> (Tok, String) {
        let (t, l) = self.items.get(self.at).cloned().unwrap_or((Tok::End, String::new()));
        self.at += 1;
        (if value { as_value(t) } else { t }, l)
    }

    fn parse(&mut self) -> Result<Vec<LabelReq>, String> {
        let mut reqs = Vec::new();
        loop {
            let (t, lit) = self.peek();
            match t {
                Tok::Ident | Tok::Not => {
                    let r = self.requirement().map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.next(true);
                    match t {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.peek();
                            if t2 != Tok::Ident && t2 != Tok::Not {
                                return Err(format!("found '{l2}', expected: identifier after ','"));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::End => return Ok(reqs),
                _ => return Err(format!("found '{lit}', expected: !, identifier, or 'end of string'")),
            }
        }
    }

    fn requirement(&mut self) -> Result<LabelReq, String> {
        let (mut t, mut key) = self.next(true);
        let negated = t == Tok::Not;
        if negated {
            (t, key) = self.next(true);
        }
        if t != Tok::Ident {
            return Err(format!("found '{key}', expected: identifier"));
        }
        let key_errors = label_key_errors(&key);
        if !key_errors.is_empty() {
            return Err(format!("<nil>: Invalid value: {key:?}: {}", key_errors.join("; ")));
        }
        let (next, _) = self.peek();
        // `!k` is complete whatever follows (the caller rejects an operator after it).
        if negated {
            return Ok(LabelReq::DoesNotExist(key));
        }
        if matches!(next, Tok::End | Tok::Comma) {
            return Ok(LabelReq::Exists(key));
        }
        let (op, lit) = self.next(false);
        let values = match op {
            Tok::In | Tok::NotIn => self.set_values()?,
            Tok::Equals | Tok::DoubleEquals | Tok::NotEquals | Tok::Greater | Tok::Less => {
                vec![self.exact_value()?]
            }
            _ => return Err(format!("found '{lit}', expected: in, notin, =, ==, !=, gt, lt")),
        };
        let mut errs = Vec::new();
        if matches!(op, Tok::Greater | Tok::Less) {
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "values[{i}]: Invalid value: {v:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                    ));
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let e = label_value_errors(v);
            if !e.is_empty() {
                errs.push(format!("values[{i}][{key}]: Invalid value: {v:?}: {}", e.join("; ")));
            }
        }
        match errs.len() {
            0 => {}
            1 => return Err(errs.remove(0)),
            _ => return Err(format!("[{}]", errs.join(", "))),
        }
        let one = || values.first().cloned().unwrap_or_default();
        Ok(match op {
            Tok::In => LabelReq::In(key, values),
            Tok::NotIn => LabelReq::NotIn(key, values),
            Tok::NotEquals => LabelReq::NotEq(key, one()),
            Tok::Greater => LabelReq::Gt(key, one().parse().unwrap_or_default()),
            Tok::Less => LabelReq::Lt(key, one().parse().unwrap_or_default()),
            _ => LabelReq::Eq(key, one()),
        })
    }

    /// `(a,b,c)`: a sorted set; `()` and empty items are the empty string.
    fn set_values(&mut self) -> Result<Vec<String>, String> {
        let (t, lit) = self.next(true);
        if t != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (t, lit) = self.peek();
        let mut set = std::collections::BTreeSet::new();
        match t {
            Tok::Ident | Tok::Comma => {
                loop {
                    let (t, l) = self.next(true);
                    match t {
                        Tok::Ident => {
                            set.insert(l);
                            match self.peek() {
                                (Tok::Comma, _) => {}
                                (Tok::ClosedPar, _) => break,
                                (_, l2) => return Err(format!("found '{l2}', expected: ',' or ')'")),
                            }
                        }
                        Tok::Comma => {
                            if set.is_empty() {
                                set.insert(String::new());
                            }
                            match self.peek().0 {
                                Tok::ClosedPar => {
                                    set.insert(String::new());
                                    break;
                                }
                                Tok::Comma => {
                                    set.insert(String::new());
                                }
                                _ => {}
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',', or identifier")),
                    }
                }
                if self.next(true).0 != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
            }
            Tok::ClosedPar => {
                self.next(true);
                set.insert(String::new());
            }
            _ => return Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
        Ok(set.into_iter().collect())
    }

    fn exact_value(&mut self) -> Result<String, String> {
        if matches!(self.peek().0, Tok::End | Tok::Comma) {
            return Ok(String::new());
        }
        match self.next(true) {
            (Tok::Ident, l) => Ok(l),
            (_, l) => Err(format!("found '{l}', expected: identifier")),
        }
    }
}

/// Parses a selector in query syntax into its requirements.
pub fn parse(s: &str) -> Result<Vec<LabelReq>, String> {
    let items = lex(s);
    // A lexer error surfaces where the parser meets it, as its literal.
    Parser { items, at: 0 }.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_the_real_servers() {
        let key_msg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        let cases = [
            ("=x", "found '=', expected: !, identifier, or 'end of string'".to_string()),
            ("a b=c", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt".to_string()),
            ("!a=b", "found '=', expected: ',' or 'end of string'".to_string()),
            ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'".to_string()),
            ("!", "unable to parse requirement: found '', expected: identifier".to_string()),
            ("a,", "found '', expected: identifier after ','".to_string()),
            ("a in x", "unable to parse requirement: found 'x' expected: '('".to_string()),
            ("a=(", "unable to parse requirement: found '(', expected: identifier".to_string()),
            ("a>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer".to_string()),
            ("-a=b", format!("unable to parse requirement: <nil>: Invalid value: \"-a\": {key_msg}")),
            ("a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_string()),
            ("a=>b", "unable to parse requirement: found '>', expected: identifier".to_string()),
        ];
        for (sel, want) in cases {
            assert_eq!(parse(sel), Err(want), "{sel}");
        }
    }

    #[test]
    fn the_grammars_corners() {
        assert_eq!(parse("a in ()"), Ok(vec![LabelReq::In("a".into(), vec![String::new()])]));
        assert_eq!(
            parse("a in (x,,y)"),
            Ok(vec![LabelReq::In("a".into(), vec![String::new(), "x".into(), "y".into()])])
        );
        assert_eq!(parse("a="), Ok(vec![LabelReq::Eq("a".into(), String::new())]));
        assert_eq!(parse("x in (in)"), Ok(vec![LabelReq::In("x".into(), vec!["in".into()])]));
        assert_eq!(
            parse(" a , !b "),
            Ok(vec![LabelReq::Exists("a".into()), LabelReq::DoesNotExist("b".into())])
        );
        assert_eq!(parse(""), Ok(vec![]));
    }
}
