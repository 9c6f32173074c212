//! The shape of a message table: for every proto field, its tag, its JSON name, its type and how
//! Go's `encoding/json` emits it after a protobuf decode.
//!
//! The emit mode is what makes the JSON identical to the real API server's: gogo-protobuf writes
//! every non-pointer field (even `""`, `0`, `false`, empty structs), so presence on the wire says
//! nothing about `omitempty`; the table carries the Go struct tag's answer instead.

/// How Go's `encoding/json` emits a field of the decoded Go struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Emit {
    /// A non-pointer field without `omitempty`, or any struct: emitted even when absent from the
    /// wire, as its zero value (`""`, `0`, `false`, `null` for nil slices/maps and zero times,
    /// `{...}` for structs).
    Always,
    /// A pointer: emitted exactly when present on the wire, even when it holds the zero value.
    Ptr,
    /// A non-pointer field with `omitempty`: emitted when present and not zero or empty.
    OmitZero,
    /// A pointer without `omitempty`: `null` when absent from the wire.
    Nullable,
}

/// [`Emit::Always`], short for the tables.
pub(crate) const A: Emit = Emit::Always;
/// [`Emit::Ptr`], short for the tables.
pub(crate) const P: Emit = Emit::Ptr;
/// [`Emit::OmitZero`], short for the tables.
pub(crate) const Z: Emit = Emit::OmitZero;
/// [`Emit::Nullable`], short for the tables.
pub(crate) const N: Emit = Emit::Nullable;

/// The type of a field's values (for maps: of the map's values; keys are always strings).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    /// `string`, rendered as a JSON string (invalid UTF-8 replaced like Go does).
    Str,
    /// `int32` varint.
    I32,
    /// `int64` varint.
    I64,
    /// `bool` varint.
    Bool,
    /// `bytes`, rendered as standard base64 like Go's `[]byte`.
    Bytes,
    /// A nested message, rendered as a JSON object.
    Msg(&'static Msg),
    /// `metav1.Time`: RFC 3339 with seconds precision, `null` when zero.
    Time,
    /// `metav1.MicroTime`: RFC 3339 with microseconds, `null` when zero.
    MicroTime,
    /// `resource.Quantity`: its string, validated with Go's quantity grammar.
    Quantity,
    /// `intstr.IntOrString`: a JSON number or string.
    IntOrString,
    /// `metav1.FieldsV1` / `runtime.RawExtension`: the embedded raw JSON.
    RawJson,
    /// A message holding `repeated string items = 1` (the reviews' `ExtraValue`, a Go
    /// `[]string`): a JSON array of strings, `null` when empty.
    Strings,
}

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Card {
    /// A singular (proto2 `optional`) field.
    One,
    /// A `repeated` field, rendered as a JSON array.
    Many,
    /// A `map<string, _>` field, rendered as a JSON object.
    Map,
    /// An embedded Go struct (`json:",inline"`): its fields are merged into the parent object.
    Inline,
}

/// One proto field of a message table.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) tag: u32,
    pub(crate) json: &'static str,
    pub(crate) ty: Ty,
    pub(crate) card: Card,
    pub(crate) emit: Emit,
}

/// One proto message: its OpenAPI definition name and its fields.
#[derive(Debug)]
pub(crate) struct Msg {
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "read by the tests that check names against k8s-openapi")
    )]
    pub(crate) name: &'static str,
    pub(crate) fields: &'static [Field],
}

impl Msg {
    pub(crate) const fn new(name: &'static str, fields: &'static [Field]) -> Self {
        Self { name, fields }
    }
}

/// A singular field.
pub(crate) const fn one(tag: u32, json: &'static str, ty: Ty, emit: Emit) -> Field {
    Field { tag, json, ty, card: Card::One, emit }
}

/// A repeated field.
pub(crate) const fn many(tag: u32, json: &'static str, ty: Ty, emit: Emit) -> Field {
    Field { tag, json, ty, card: Card::Many, emit }
}

/// A `map<string, ty>` field.
pub(crate) const fn map(tag: u32, json: &'static str, ty: Ty, emit: Emit) -> Field {
    Field { tag, json, ty, card: Card::Map, emit }
}

/// An embedded struct whose fields are inlined into the parent's JSON object.
pub(crate) const fn inline(tag: u32, msg: &'static Msg) -> Field {
    Field { tag, json: "", ty: Ty::Msg(msg), card: Card::Inline, emit: Emit::Always }
}
