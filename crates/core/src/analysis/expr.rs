//! The condition language of the `threshold` judge: a small, safe expression over a
//! measurement — numbers, vectors, arithmetic, comparison, `and` / `or` / `not`, and the
//! reductions `all`, `any`, `len`, `min`, `max`. No names but `result`, no loops, no calls
//! into anything: evaluation is a walk over a tree bounded by the input's length.
//!
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | postfix
//! postfix := atom ("[" NUMBER "]")?
//! atom    := NUMBER | "true" | "false" | "result" | FUNC "(" expr ")" | "(" expr ")"
//! FUNC    := "all" | "any" | "len" | "min" | "max"
//! ```
//!
//! `result` is the measurement: a number or a vector. Arithmetic and comparison apply
//! element-wise when one side is a vector; a condition must come out a single boolean, so a
//! vector of booleans has to be reduced with `all(...)` or `any(...)` — leaving it unreduced is
//! an error, not a guess. NaN compares false with everything (`result > 0` is false for NaN),
//! so an empty or NaN measurement never passes a threshold by accident. Errors name the byte
//! offset of the problem in the source.

use std::fmt;

/// Longest source accepted (a condition is a line, not a program).
pub const MAX_SOURCE: usize = 1024;
/// Deepest nesting accepted (bounds the parser's recursion).
pub const MAX_DEPTH: usize = 32;

/// A parse or evaluation error, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at {at}: {message}")]
pub struct ExprError {
    /// Byte offset in the source.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError { at, message: message.into() })
}

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A vector of numbers.
    Numbers(Vec<f64>),
    /// A vector of booleans (an element-wise comparison), to be reduced.
    Bools(Vec<bool>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Numbers(v) => write!(f, "{v:?}"),
            Value::Bools(v) => write!(f, "{v:?}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    All,
    Any,
    Len,
    Min,
    Max,
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    node: Node,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Number(f64),
    Bool(bool),
    Result,
    Neg(Box<Node>, usize),
    Not(Box<Node>, usize),
    And(Box<Node>, Box<Node>, usize),
    Or(Box<Node>, Box<Node>, usize),
    Binary(Op, Box<Node>, Box<Node>, usize),
    Call(Func, Box<Node>, usize),
    Index(Box<Node>, usize, usize),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(f64),
    Word(String),
    Sym(&'static str),
}

fn lex(src: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    if src.len() > MAX_SOURCE {
        return err(MAX_SOURCE, format!("a condition is at most {MAX_SOURCE} bytes"));
    }
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                    i += 1;
                }
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text = &src[start..i];
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() => out.push((Token::Number(n), start)),
                _ => return err(start, format!("{text:?} is not a number")),
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Token::Word(src[start..i].to_string()), start));
        } else {
            let two = src.get(i..i + 2).unwrap_or("");
            let sym = match two {
                "<=" => Some("<="),
                ">=" => Some(">="),
                "==" => Some("=="),
                "!=" => Some("!="),
                "&&" => Some("and"),
                "||" => Some("or"),
                _ => None,
            };
            if let Some(s) = sym {
                out.push((if s == "and" || s == "or" { Token::Word(s.into()) } else { Token::Sym(s) }, i));
                i += 2;
                continue;
            }
            let one = match c {
                b'<' => "<",
                b'>' => ">",
                b'+' => "+",
                b'-' => "-",
                b'*' => "*",
                b'/' => "/",
                b'(' => "(",
                b')' => ")",
                b'[' => "[",
                b']' => "]",
                b'!' => "not",
                _ => {
                    let ch = src[i..].chars().next().unwrap_or('?');
                    return err(i, format!("unexpected character {ch:?}"));
                }
            };
            out.push((if one == "not" { Token::Word("not".into()) } else { Token::Sym(one) }, i));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |t| t.1)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|t| &t.0)
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(x)) if x == w)
    }

    fn sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Token::Sym(x)) if *x == s)
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), ExprError> {
        if self.sym(s) {
            self.pos += 1;
            Ok(())
        } else {
            err(self.at(), format!("expected {s:?}"))
        }
    }

    fn deeper(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(self.at(), format!("nested deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        self.deeper()?;
        let mut left = self.and()?;
        while self.word("or") {
            let at = self.at();
            self.pos += 1;
            left = Node::Or(Box::new(left), Box::new(self.and()?), at);
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut left = self.not()?;
        while self.word("and") {
            let at = self.at();
            self.pos += 1;
            left = Node::And(Box::new(left), Box::new(self.not()?), at);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if self.word("not") {
            let at = self.at();
            self.pos += 1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner), at));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Node, ExprError> {
        let left = self.sum()?;
        let op = match self.peek() {
            Some(Token::Sym("<")) => Op::Lt,
            Some(Token::Sym("<=")) => Op::Le,
            Some(Token::Sym(">")) => Op::Gt,
            Some(Token::Sym(">=")) => Op::Ge,
            Some(Token::Sym("==")) => Op::Eq,
            Some(Token::Sym("!=")) => Op::Ne,
            _ => return Ok(left),
        };
        let at = self.at();
        self.pos += 1;
        let right = self.sum()?;
        if matches!(self.peek(), Some(Token::Sym("<" | "<=" | ">" | ">=" | "==" | "!="))) {
            return err(self.at(), "comparisons do not chain: join them with `and`");
        }
        Ok(Node::Binary(op, Box::new(left), Box::new(right), at))
    }

    fn sum(&mut self) -> Result<Node, ExprError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Some(Token::Sym("+")) => Op::Add,
                Some(Token::Sym("-")) => Op::Sub,
                _ => return Ok(left),
            };
            let at = self.at();
            self.pos += 1;
            left = Node::Binary(op, Box::new(left), Box::new(self.product()?), at);
        }
    }

    fn product(&mut self) -> Result<Node, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Sym("*")) => Op::Mul,
                Some(Token::Sym("/")) => Op::Div,
                _ => return Ok(left),
            };
            let at = self.at();
            self.pos += 1;
            left = Node::Binary(op, Box::new(left), Box::new(self.unary()?), at);
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if self.sym("-") {
            let at = self.at();
            self.pos += 1;
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Node::Neg(Box::new(inner), at));
        }
        let atom = self.atom()?;
        if self.sym("[") {
            let at = self.at();
            self.pos += 1;
            let index = match self.peek() {
                Some(Token::Number(n)) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e9 => *n as usize,
                _ => return err(self.at(), "an index is a whole number such as 0"),
            };
            self.pos += 1;
            self.expect_sym("]")?;
            return Ok(Node::Index(Box::new(atom), index, at));
        }
        Ok(atom)
    }

    fn atom(&mut self) -> Result<Node, ExprError> {
        let at = self.at();
        let Some(tok) = self.peek().cloned() else { return err(at, "expected a value") };
        self.pos += 1;
        match tok {
            Token::Number(n) => Ok(Node::Number(n)),
            Token::Sym("(") => {
                let inner = self.or()?;
                self.expect_sym(")")?;
                Ok(inner)
            }
            Token::Word(w) => match w.as_str() {
                "result" => Ok(Node::Result),
                "true" => Ok(Node::Bool(true)),
                "false" => Ok(Node::Bool(false)),
                "all" | "any" | "len" | "min" | "max" => {
                    let f = match w.as_str() {
                        "all" => Func::All,
                        "any" => Func::Any,
                        "len" => Func::Len,
                        "min" => Func::Min,
                        _ => Func::Max,
                    };
                    self.expect_sym("(")?;
                    let arg = self.or()?;
                    self.expect_sym(")")?;
                    Ok(Node::Call(f, Box::new(arg), at))
                }
                other => err(at, format!("unknown name {other:?} (the measurement is `result`)")),
            },
            Token::Sym(s) => err(at, format!("expected a value, found {s:?}")),
        }
    }
}

impl Expr {
    /// Parses a condition.
    pub fn parse(src: &str) -> Result<Self, ExprError> {
        let tokens = lex(src)?;
        let mut p = Parser { tokens, pos: 0, end: src.len(), depth: 0 };
        let node = p.or()?;
        if p.pos < p.tokens.len() {
            return err(p.at(), "unexpected text after the condition");
        }
        Ok(Self { node })
    }

    /// Evaluates against a measurement (`result`); a condition must come out a boolean.
    pub fn holds(&self, result: &Value) -> Result<bool, ExprError> {
        match eval(&self.node, result)? {
            Value::Bool(b) => Ok(b),
            Value::Bools(_) => err(0, "the condition compares a vector: wrap it in all(...) or any(...)"),
            v => err(0, format!("the condition is not true or false but {v}")),
        }
    }
}

fn number_or_vector(v: Value, at: usize) -> Result<Result<f64, Vec<f64>>, ExprError> {
    match v {
        Value::Number(n) => Ok(Ok(n)),
        Value::Numbers(v) => Ok(Err(v)),
        other => err(at, format!("expected a number, found {other}")),
    }
}

fn truth(v: Value, at: usize) -> Result<bool, ExprError> {
    match v {
        Value::Bool(b) => Ok(b),
        Value::Bools(_) => err(at, "a vector of comparisons: wrap it in all(...) or any(...)"),
        other => err(at, format!("expected true or false, found {other}")),
    }
}

fn apply(op: Op, a: f64, b: f64) -> Value {
    match op {
        Op::Add => Value::Number(a + b),
        Op::Sub => Value::Number(a - b),
        Op::Mul => Value::Number(a * b),
        Op::Div => Value::Number(a / b),
        Op::Lt => Value::Bool(a < b),
        Op::Le => Value::Bool(a <= b),
        Op::Gt => Value::Bool(a > b),
        Op::Ge => Value::Bool(a >= b),
        Op::Eq => Value::Bool(a == b),
        Op::Ne => Value::Bool(a != b),
    }
}

/// Element-wise results: booleans for a comparison (even of an empty vector), else numbers.
fn collect(op: Op, values: Vec<Value>) -> Value {
    if !matches!(op, Op::Add | Op::Sub | Op::Mul | Op::Div) {
        Value::Bools(values.into_iter().map(|v| matches!(v, Value::Bool(true))).collect())
    } else {
        Value::Numbers(
            values.into_iter().map(|v| if let Value::Number(n) = v { n } else { f64::NAN }).collect(),
        )
    }
}

fn eval(node: &Node, result: &Value) -> Result<Value, ExprError> {
    Ok(match node {
        Node::Number(n) => Value::Number(*n),
        Node::Bool(b) => Value::Bool(*b),
        Node::Result => result.clone(),
        Node::Neg(inner, at) => match number_or_vector(eval(inner, result)?, *at)? {
            Ok(n) => Value::Number(-n),
            Err(v) => Value::Numbers(v.into_iter().map(|n| -n).collect()),
        },
        Node::Not(inner, at) => Value::Bool(!truth(eval(inner, result)?, *at)?),
        Node::And(a, b, at) => Value::Bool(truth(eval(a, result)?, *at)? && truth(eval(b, result)?, *at)?),
        Node::Or(a, b, at) => Value::Bool(truth(eval(a, result)?, *at)? || truth(eval(b, result)?, *at)?),
        Node::Binary(op, a, b, at) => {
            let (a, b) = (number_or_vector(eval(a, result)?, *at)?, number_or_vector(eval(b, result)?, *at)?);
            match (a, b) {
                (Ok(x), Ok(y)) => apply(*op, x, y),
                (Err(v), Ok(y)) => collect(*op, v.into_iter().map(|x| apply(*op, x, y)).collect()),
                (Ok(x), Err(v)) => collect(*op, v.into_iter().map(|y| apply(*op, x, y)).collect()),
                (Err(v), Err(w)) if v.len() == w.len() => {
                    collect(*op, v.into_iter().zip(w).map(|(x, y)| apply(*op, x, y)).collect())
                }
                (Err(v), Err(w)) => {
                    return err(*at, format!("vectors of {} and {} values", v.len(), w.len()));
                }
            }
        }
        Node::Index(inner, i, at) => match eval(inner, result)? {
            Value::Numbers(v) => match v.get(*i) {
                Some(n) => Value::Number(*n),
                None => return err(*at, format!("index {i} of a vector of {}", v.len())),
            },
            other => return err(*at, format!("only a vector can be indexed, not {other}")),
        },
        Node::Call(f, arg, at) => {
            let v = eval(arg, result)?;
            match (f, v) {
                (Func::All, Value::Bools(b)) => Value::Bool(!b.is_empty() && b.iter().all(|x| *x)),
                (Func::Any, Value::Bools(b)) => Value::Bool(b.iter().any(|x| *x)),
                (Func::All | Func::Any, Value::Bool(b)) => Value::Bool(b),
                (Func::Len, Value::Numbers(v)) => Value::Number(v.len() as f64),
                (Func::Len, Value::Bools(v)) => Value::Number(v.len() as f64),
                (Func::Len, Value::Number(_)) => Value::Number(1.0),
                (Func::Min | Func::Max, Value::Number(n)) => Value::Number(n),
                (Func::Min | Func::Max, Value::Numbers(v)) if v.is_empty() => Value::Number(f64::NAN),
                (Func::Min, Value::Numbers(v)) => {
                    Value::Number(v.iter().copied().fold(f64::INFINITY, f64::min))
                }
                (Func::Max, Value::Numbers(v)) => {
                    Value::Number(v.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                }
                (f, v) => return err(*at, format!("{f:?} does not take {v}").to_lowercase()),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(src: &str, result: Value) -> Result<bool, ExprError> {
        Expr::parse(src)?.holds(&result)
    }

    #[test]
    fn thresholds_over_numbers_and_vectors() {
        assert_eq!(holds("result >= 0.95", Value::Number(0.97)), Ok(true));
        assert_eq!(holds("result >= 0.95", Value::Number(0.9)), Ok(false));
        assert_eq!(holds("result < 100 * 2 and result > -1", Value::Number(150.0)), Ok(true));
        assert_eq!(holds("not (result > 1) or false", Value::Number(0.5)), Ok(true));
        assert_eq!(holds("all(result < 0.5)", Value::Numbers(vec![0.1, 0.4])), Ok(true));
        assert_eq!(holds("all(result < 0.5)", Value::Numbers(vec![0.1, 0.6])), Ok(false));
        assert_eq!(holds("any(result < 0.5)", Value::Numbers(vec![0.9, 0.2])), Ok(true));
        assert_eq!(holds("all(result < 0.5)", Value::Numbers(vec![])), Ok(false), "nothing passes vacuously");
        assert_eq!(holds("result[1] / result[0] <= 2", Value::Numbers(vec![1.0, 2.0])), Ok(true));
        assert_eq!(
            holds("max(result) - min(result) < 1 && len(result) == 2", Value::Numbers(vec![1.0, 1.5])),
            Ok(true)
        );
    }

    #[test]
    fn nan_never_passes_a_threshold() {
        for src in ["result > 0", "result <= 0", "result == result", "all(result >= 0)"] {
            let r =
                if src.starts_with("all") { Value::Numbers(vec![f64::NAN]) } else { Value::Number(f64::NAN) };
            assert_eq!(holds(src, r), Ok(false), "{src}");
        }
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = |src: &str| Expr::parse(src).unwrap_err();
        assert_eq!(e("result >"), ExprError { at: 8, message: "expected a value".into() });
        assert_eq!(e("result > 1 extra").at, 11);
        assert!(e("foo > 1").message.contains("unknown name \"foo\""));
        assert_eq!(e("result # 1"), ExprError { at: 7, message: "unexpected character '#'".into() });
        assert!(e("1 < result < 2").message.contains("do not chain"));
        assert!(e("(result > 1").message.contains("expected \")\""));
        assert!(e(&"(".repeat(100)).message.contains("nested deeper"));
        assert!(e(&"1+".repeat(600)).message.contains("at most 1024 bytes"));
        let v = holds("result < 1", Value::Numbers(vec![0.5])).unwrap_err();
        assert!(v.message.contains("all(...) or any(...)"), "{v}");
        assert!(holds("result + 1", Value::Number(1.0)).unwrap_err().message.contains("not true or false"));
        assert!(holds("result[3] > 0", Value::Numbers(vec![1.0])).unwrap_err().message.contains("index 3"));
    }
}
