//! Table-driven decoding of one protobuf message into the JSON object Go's `encoding/json` would
//! write for the Go struct gogo-protobuf decodes it into.
//!
//! Decoding follows gogo's generated `Unmarshal`: a singular scalar takes its last occurrence,
//! a singular message merges all its occurrences (decoding their concatenation is the same
//! thing), repeated fields append (packed or not), maps insert, unknown fields are skipped and a
//! known field with the wrong wire type is an error.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{
    DecodeError,
    scalars::{base64, go_string, quantity, timestamp},
    schema::{Card, Emit, Field, Msg, Ty},
    wire::{self, Value as Wire},
};

/// Decodes `buf` as `msg` into a JSON object.
pub(crate) fn message(msg: &Msg, buf: &[u8]) -> Result<Map<String, Value>, DecodeError> {
    let mut slots: Vec<Vec<Wire<'_>>> = vec![Vec::new(); msg.fields.len()];
    for (tag, value) in wire::fields(buf)? {
        if let Some(i) = msg.fields.iter().position(|f| f.tag == tag) {
            slots[i].push(value);
        }
    }
    let mut out = Map::new();
    for (field, values) in msg.fields.iter().zip(&slots) {
        let ctx = |e: DecodeError| e.within(field.json);
        if field.card == Card::Inline {
            let Ty::Msg(inner) = field.ty else { continue };
            let bytes = concat(values).map_err(ctx)?;
            out.extend(message(inner, &bytes).map_err(ctx)?);
        } else if let Some(value) = render_field(field, values).map_err(ctx)? {
            out.insert(field.json.to_owned(), value);
        }
    }
    Ok(out)
}

/// The JSON value of one field, or `None` when Go omits it.
fn render_field(field: &Field, values: &[Wire<'_>]) -> Result<Option<Value>, DecodeError> {
    match field.card {
        Card::One | Card::Inline => {
            if values.is_empty() {
                return match field.emit {
                    Emit::Always => zero(field.ty).map(Some),
                    Emit::Nullable => Ok(Some(Value::Null)),
                    Emit::Ptr | Emit::OmitZero => Ok(None),
                };
            }
            let value = singular(field.ty, values)?;
            let omit = field.emit == Emit::OmitZero && is_zero(&value);
            Ok((!omit).then_some(value))
        }
        Card::Many => {
            let mut items = Vec::new();
            for value in values {
                match (field.ty, value) {
                    (Ty::I32 | Ty::I64 | Ty::Bool, Wire::Bytes(packed)) => {
                        let mut pos = 0;
                        while pos < packed.len() {
                            items.push(scalar(field.ty, Wire::Varint(wire::varint(packed, &mut pos)?))?);
                        }
                    }
                    _ => items.push(singular(field.ty, std::slice::from_ref(value))?),
                }
            }
            Ok(collection(field.emit, items.is_empty(), || Value::Array(items)))
        }
        Card::Map => {
            let mut entries = Map::new();
            for value in values {
                let (key, value) = map_entry(field.ty, *value)?;
                entries.insert(key, value);
            }
            Ok(collection(field.emit, entries.is_empty(), || Value::Object(entries)))
        }
    }
}

/// Slices and maps: a nil one renders as `null` without `omitempty`, and is omitted with it.
fn collection(emit: Emit, empty: bool, value: impl FnOnce() -> Value) -> Option<Value> {
    match (empty, emit) {
        (false, _) => Some(value()),
        (true, Emit::Always | Emit::Nullable) => Some(Value::Null),
        (true, Emit::Ptr | Emit::OmitZero) => None,
    }
}

/// One map entry message: `key = 1` (string), `value = 2`, each defaulting to its zero value.
fn map_entry(ty: Ty, entry: Wire<'_>) -> Result<(String, Value), DecodeError> {
    let Wire::Bytes(buf) = entry else {
        return Err(wrong_wire_type(entry));
    };
    let mut key = String::new();
    let mut values = Vec::new();
    for (tag, value) in wire::fields(buf)? {
        match (tag, value) {
            (1, Wire::Bytes(bytes)) => key = go_string(bytes),
            (1, other) => return Err(wrong_wire_type(other)),
            (2, value) => values.push(value),
            _ => {}
        }
    }
    let value = if values.is_empty() {
        match ty {
            // gogo starts a map value of type []byte as `[]byte{}`, which renders as "".
            Ty::Bytes => Value::String(String::new()),
            _ => zero(ty)?,
        }
    } else {
        singular(ty, &values)?
    };
    Ok((key, value))
}

/// A singular value from all its occurrences on the wire (at least one).
fn singular(ty: Ty, values: &[Wire<'_>]) -> Result<Value, DecodeError> {
    let last = values.last().copied().ok_or_else(|| DecodeError::new("missing value"))?;
    match ty {
        Ty::Msg(msg) => Ok(Value::Object(message(msg, &concat(values)?)?)),
        Ty::IntOrString => int_or_string(&concat(values)?),
        // Time, MicroTime, Quantity and the raw types replace themselves on every occurrence.
        Ty::Time | Ty::MicroTime => time(bytes_of(last)?, matches!(ty, Ty::MicroTime)),
        Ty::Quantity => {
            let mut s = String::new();
            for (tag, value) in wire::fields(bytes_of(last)?)? {
                if tag == 1 {
                    s = go_string(bytes_of(value)?);
                }
            }
            quantity(&s).map(Value::String)
        }
        Ty::RawJson => {
            let mut raw = None;
            for (tag, value) in wire::fields(bytes_of(last)?)? {
                if tag == 1 {
                    raw = Some(bytes_of(value)?);
                }
            }
            match raw {
                None => Ok(Value::Null),
                Some(raw) => serde_json::from_slice(raw)
                    .map_err(|e| DecodeError::new(format!("embedded raw JSON is invalid: {e}"))),
            }
        }
        Ty::Strings => {
            let mut items = Vec::new();
            for (tag, value) in wire::fields(&concat(values)?)? {
                if tag == 1 {
                    items.push(Value::String(go_string(bytes_of(value)?)));
                }
            }
            Ok(if items.is_empty() { Value::Null } else { Value::Array(items) })
        }
        Ty::Str | Ty::I32 | Ty::I64 | Ty::Bool | Ty::Bytes => scalar(ty, last),
    }
}

fn scalar(ty: Ty, value: Wire<'_>) -> Result<Value, DecodeError> {
    Ok(match (ty, value) {
        (Ty::Str, Wire::Bytes(bytes)) => Value::String(go_string(bytes)),
        (Ty::Bytes, Wire::Bytes(bytes)) => Value::String(base64(bytes)),
        // Go accumulates the varint into the field's own width: int32 keeps the low 32 bits.
        (Ty::I32, Wire::Varint(v)) => Value::from(v as u32 as i32),
        (Ty::I64, Wire::Varint(v)) => Value::from(v as i64),
        (Ty::Bool, Wire::Varint(v)) => Value::Bool(v != 0),
        (_, other) => return Err(wrong_wire_type(other)),
    })
}

/// `intstr.IntOrString`: `type = 1` (0 int, 1 string), `intVal = 2`, `strVal = 3`.
fn int_or_string(buf: &[u8]) -> Result<Value, DecodeError> {
    let (mut kind, mut int_val, mut str_val) = (0i64, 0i32, String::new());
    for (tag, value) in wire::fields(buf)? {
        match (tag, value) {
            (1, Wire::Varint(v)) => kind = v as i64,
            (2, Wire::Varint(v)) => int_val = v as u32 as i32,
            (3, Wire::Bytes(b)) => str_val = go_string(b),
            (1..=3, other) => return Err(wrong_wire_type(other)),
            _ => {}
        }
    }
    match kind {
        0 => Ok(Value::from(int_val)),
        1 => Ok(Value::String(str_val)),
        other => Err(DecodeError::new(format!("impossible IntOrString.Type {other}"))),
    }
}

/// `metav1.Time`/`MicroTime` on the wire: an empty message is the zero time; otherwise a
/// `Timestamp` with `seconds = 1`, `nanos = 2`.
fn time(buf: &[u8], micros: bool) -> Result<Value, DecodeError> {
    let (mut seconds, mut nanos) = (0i64, 0i32);
    for (tag, value) in wire::fields(buf)? {
        match (tag, value) {
            (1, Wire::Varint(v)) => seconds = v as i64,
            (2, Wire::Varint(v)) => nanos = v as u32 as i32,
            (1 | 2, other) => return Err(wrong_wire_type(other)),
            _ => {}
        }
    }
    if buf.is_empty() {
        return Ok(Value::Null);
    }
    Ok(timestamp(seconds, nanos, micros).map_or(Value::Null, Value::String))
}

/// The JSON of a Go zero value of `ty` (for an absent field that Go always emits).
fn zero(ty: Ty) -> Result<Value, DecodeError> {
    Ok(match ty {
        Ty::Str => Value::String(String::new()),
        Ty::I32 | Ty::I64 => Value::from(0),
        Ty::Bool => Value::Bool(false),
        Ty::Bytes | Ty::Time | Ty::MicroTime | Ty::RawJson | Ty::Strings => Value::Null,
        Ty::Quantity => Value::String("0".to_owned()),
        Ty::IntOrString => Value::from(0),
        Ty::Msg(msg) => Value::Object(message(msg, &[])?),
    })
}

/// Go's `omitempty` test for the values a non-pointer field can hold.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    }
}

/// All occurrences of a message field, joined (a single occurrence is borrowed, not copied).
fn concat<'a>(values: &[Wire<'a>]) -> Result<Cow<'a, [u8]>, DecodeError> {
    match values {
        [] => Ok(Cow::Borrowed(&[])),
        [one] => bytes_of(*one).map(Cow::Borrowed),
        many => {
            let mut out = Vec::new();
            for value in many {
                out.extend_from_slice(bytes_of(*value)?);
            }
            Ok(Cow::Owned(out))
        }
    }
}

pub(crate) fn bytes_of(value: Wire<'_>) -> Result<&[u8], DecodeError> {
    match value {
        Wire::Bytes(bytes) => Ok(bytes),
        other => Err(wrong_wire_type(other)),
    }
}

fn wrong_wire_type(value: Wire<'_>) -> DecodeError {
    DecodeError::new(format!("wrong wire type {}", value.wire_type()))
}
