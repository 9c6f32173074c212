//! The protobuf wire format, read the way gogo-protobuf's generated `Unmarshal` reads it:
//! varints of at most 10 bytes, length-delimited fields bounded by the buffer, unknown fields
//! (groups included) skipped.

use super::DecodeError;

/// One field value as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2.
    Bytes(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
}

impl Value<'_> {
    /// The wire type number, for error messages.
    pub(crate) fn wire_type(&self) -> u8 {
        match self {
            Value::Varint(_) => 0,
            Value::Fixed64(_) => 1,
            Value::Bytes(_) => 2,
            Value::Fixed32(_) => 5,
        }
    }
}

/// Reads a varint at `*pos`, advancing it.
pub(crate) fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, DecodeError> {
    let mut value: u64 = 0;
    for shift in (0..70).step_by(7) {
        let Some(&byte) = buf.get(*pos) else {
            return Err(DecodeError::new("unexpected end of protobuf data in a varint"));
        };
        *pos += 1;
        if shift < 64 {
            value |= u64::from(byte & 0x7f) << shift;
        }
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(DecodeError::new("protobuf varint overflows 64 bits"))
}

fn take<'a>(buf: &'a [u8], pos: &mut usize, len: usize) -> Result<&'a [u8], DecodeError> {
    let end = pos
        .checked_add(len)
        .filter(|end| *end <= buf.len())
        .ok_or_else(|| DecodeError::new("protobuf field length runs past the end of its message"))?;
    let out = &buf[*pos..end];
    *pos = end;
    Ok(out)
}

fn fixed<const N: usize>(buf: &[u8], pos: &mut usize) -> Result<[u8; N], DecodeError> {
    let bytes = take(buf, pos, N)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

/// Splits a message into its `(tag, value)` fields, in wire order. Groups (wire types 3 and 4)
/// are skipped whole, as gogo-protobuf skips them for unknown fields.
pub(crate) fn fields(buf: &[u8]) -> Result<Vec<(u32, Value<'_>)>, DecodeError> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut group_depth = 0usize;
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let wire_type = key & 7;
        let tag = u32::try_from(key >> 3)
            .ok()
            .filter(|tag| *tag > 0)
            .ok_or_else(|| DecodeError::new(format!("illegal protobuf field tag {}", key >> 3)))?;
        let value = match wire_type {
            0 => Value::Varint(varint(buf, &mut pos)?),
            1 => Value::Fixed64(u64::from_le_bytes(fixed::<8>(buf, &mut pos)?)),
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?)
                    .map_err(|_| DecodeError::new("protobuf field length overflows"))?;
                Value::Bytes(take(buf, &mut pos, len)?)
            }
            3 => {
                group_depth += 1;
                continue;
            }
            4 => {
                group_depth = group_depth
                    .checked_sub(1)
                    .ok_or_else(|| DecodeError::new("unexpected end of protobuf group"))?;
                continue;
            }
            5 => Value::Fixed32(u32::from_le_bytes(fixed::<4>(buf, &mut pos)?)),
            other => return Err(DecodeError::new(format!("illegal protobuf wire type {other}"))),
        };
        if group_depth == 0 {
            out.push((tag, value));
        }
    }
    if group_depth != 0 {
        return Err(DecodeError::new("unexpected end of protobuf data in a group"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_wire_type_and_skips_groups() {
        let buf = [
            0x08, 0x96, 0x01, // 1: varint 150
            0x11, 1, 0, 0, 0, 0, 0, 0, 0, // 2: fixed64 1
            0x1a, 0x02, b'h', b'i', // 3: bytes "hi"
            0x23, 0x08, 0x01, 0x24, // 4: group holding 1: varint 1
            0x2d, 2, 0, 0, 0, // 5: fixed32 2
        ];
        let got = fields(&buf).unwrap();
        assert_eq!(
            got,
            vec![
                (1, Value::Varint(150)),
                (2, Value::Fixed64(1)),
                (3, Value::Bytes(b"hi")),
                (5, Value::Fixed32(2)),
            ]
        );
    }

    #[test]
    fn negative_int32_uses_ten_bytes() {
        let buf = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        let mut pos = 0;
        assert_eq!(varint(&buf, &mut pos).unwrap() as i64, -1);
        assert_eq!(pos, 10);
    }

    #[test]
    fn rejects_truncated_and_malformed_input() {
        assert!(fields(&[0x0a, 0x05, b'a']).is_err());
        assert!(fields(&[0x08]).is_err());
        assert!(fields(&[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        assert!(fields(&[0x00, 0x01]).is_err());
        assert!(fields(&[0x0e]).is_err());
        assert!(fields(&[0x0b, 0x08, 0x01]).is_err());
        assert!(fields(&[0x0c]).is_err());
        assert!(fields(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
    }
}
