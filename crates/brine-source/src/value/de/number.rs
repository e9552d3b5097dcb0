//! Numbers: integer and float literals, and constants like `u8::MAX` and
//! `f64::NAN`, read only where rustc accepts them for the requested type.

use serde::de::Visitor;

use super::{Deserializer, Result, lex_back};
use crate::value::error::ReadError;
use crate::value::lexer::{Tok, float_literal, int_literal, unescape};

impl<'de> Deserializer<'de> {
    /// An integer literal (with a `-`), a byte literal or a constant like
    /// `u8::MAX`. `what` names the expected value in errors.
    pub(super) fn integer(&mut self, what: &str) -> Result<IntLit<'de>> {
        let mut token = self.lex.next()?;
        let start = token.start;
        let minus = token.tok == Tok::Punct(b'-');
        if minus {
            token = self.lex.next()?;
        }
        let lit = |negative, magnitude, ty, end| IntLit { minus, negative, magnitude, ty, start, end };
        match token.tok {
            Tok::Int(text) => match int_literal(text) {
                Ok((value, suffix)) => {
                    Ok(lit(minus && value != 0, value, (!suffix.is_empty()).then_some(suffix), token.end))
                }
                Err(expected) => Err(ReadError::syntax(token.start, expected, self.lex.describe(&token))),
            },
            Tok::Byte(body) if !minus => {
                let bytes = unescape(body, token.start + 2, true)?;
                match bytes[..] {
                    [b] => Ok(lit(false, u128::from(b), Some("u8"), token.end)),
                    _ => Err(self.unexpected(&token, "one byte")),
                }
            }
            Tok::Ident(_) | Tok::PathSep => {
                // `u8::MAX`, `i64::MIN`, `::core::primitive::u32::MAX`
                lex_back(&mut self.lex, token);
                let path = self.path()?;
                let text = path.map_or("", |p| self.path_text(&p));
                match (int_constant(text), path) {
                    (Some((ty, negative, magnitude)), Some(p)) => {
                        Ok(lit(negative != minus && magnitude != 0, magnitude, Some(ty), p.end))
                    }
                    _ => Err(ReadError::syntax(
                        token.start,
                        format!("{what} (an integer literal or a constant like `u8::MAX`)"),
                        format!("`{text}`"),
                    )),
                }
            }
            _ => Err(self.unexpected(&token, &format!("{what} (an integer literal)"))),
        }
    }

    /// An integer of type `ty`, refused as rustc refuses it: out of range,
    /// of another type by its suffix or constant, or negated when unsigned.
    pub(super) fn int_in<T: TryFrom<i128> + TryFrom<u128>>(
        &mut self,
        ty: &str,
        what: &str,
        range: &str,
    ) -> Result<T> {
        self.value(|de| {
            let lit = de.integer(what)?;
            let found = de.lex.src().get(lit.start..lit.end).unwrap_or("");
            let refuse = |note: String| {
                ReadError::data(lit.start, format!("expected {what} ({range}), found `{found}`{note}"))
            };
            if let Some(own) = lit.ty.filter(|&own| !same_int_type(own, ty)) {
                return Err(refuse(format!(", a literal of type {own}")));
            }
            if lit.minus && ty.starts_with('u') {
                return Err(refuse(format!(": a {ty} can't be negated")));
            }
            lit.value::<T>().ok_or_else(|| refuse(String::new()))
        })
    }

    /// An integer for [`de::Deserializer::deserialize_any`]: any type, but
    /// within the one its suffix or constant gives it.
    pub(super) fn any_integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let lit = self.integer("a value")?;
        if let Some(ty) = lit.ty
            && (!lit.fits(ty) || lit.minus && ty.starts_with('u'))
        {
            let found = self.lex.src().get(lit.start..lit.end).unwrap_or("");
            return Err(ReadError::data(
                lit.start,
                format!("expected a value of type {ty}, found `{found}`, out of its range"),
            ));
        }
        match (lit.negative, lit.value::<i64>(), lit.value::<u64>()) {
            (true, Some(v), _) => visitor.visit_i64(v),
            (true, None, _) => visitor.visit_i128(lit.value::<i128>().unwrap_or(i128::MIN)),
            (false, _, Some(v)) => visitor.visit_u64(v),
            (false, _, None) => visitor.visit_u128(lit.magnitude),
        }
    }

    /// A float of type `ty` (`"f32"` or `"f64"`), as text for exact parsing.
    pub(super) fn float<T: std::str::FromStr + FloatBits>(&mut self, ty: &str) -> Result<T> {
        self.value(|de| {
            let mut token = de.lex.next()?;
            let start = token.start;
            let negative = token.tok == Tok::Punct(b'-');
            if negative {
                token = de.lex.next()?;
            }
            let sign = |v: T| if negative { v.negate() } else { v };
            let literal = || format!("an {ty} (a float literal like `1.0`, `2.5e3` or `1{ty}`)");
            match token.tok {
                Tok::Float(text) => {
                    let (number, suffix) = float_literal(text);
                    if !suffix.is_empty() && suffix != ty {
                        return Err(ReadError::syntax(token.start, literal(), format!("`{text}`, an {suffix}")));
                    }
                    let value = number
                        .parse::<T>()
                        .map_err(|_| ReadError::syntax(token.start, literal(), de.lex.describe(&token)))?;
                    if value.is_infinite() {
                        return Err(ReadError::data(
                            start,
                            format!("expected an {ty} (at most {ty}::MAX), found `{text}`, out of range"),
                        ));
                    }
                    Ok(sign(value))
                }
                Tok::Ident(_) | Tok::PathSep => {
                    lex_back(&mut de.lex, token);
                    let Some(path) = de.path()? else {
                        return Err(de.unexpected(&token, ty));
                    };
                    let text = de.path_text(&path);
                    let value = match float_path(text) {
                        Some((own, FloatPath::FromBits)) if own == ty && de.is_punct(b'(')? => {
                            let bits = de.float_bits(ty)?;
                            T::from_bits(bits).ok_or_else(|| {
                                let width = if ty == "f32" { 32 } else { 64 };
                                ReadError::data(start, format!("expected {ty} bits (a {width}-bit integer), found {bits:#x}"))
                            })?
                        }
                        Some((own, FloatPath::Const(name))) if own == ty => T::constant(name).ok_or_else(|| {
                            ReadError::syntax(path.start, format!("an {ty} constant"), format!("`{text}`"))
                        })?,
                        Some((own, FloatPath::Consts(name))) if own == ty => T::math(name).ok_or_else(|| {
                            ReadError::syntax(path.start, format!("a constant of {ty}::consts"), format!("`{text}`"))
                        })?,
                        _ => {
                            return Err(ReadError::syntax(
                                path.start,
                                format!(
                                    "an {ty} (a float literal, or `{ty}::NAN`, `{ty}::INFINITY`, `{ty}::NEG_INFINITY`)"
                                ),
                                format!("`{text}`"),
                            ));
                        }
                    };
                    Ok(sign(value))
                }
                _ => Err(de.unexpected(&token, &literal())),
            }
        })
    }

    /// The argument of `f64::from_bits(..)`, the `(` next.
    pub(super) fn float_bits(&mut self, ty: &str) -> Result<u64> {
        let open = self.lex.next()?;
        self.enter(&open)?;
        let bits = if ty == "f32" {
            u64::from(self.int_in::<u32>("u32", "the float's bits", "an unsigned integer")?)
        } else {
            self.int_in::<u64>("u64", "the float's bits", "an unsigned integer")?
        };
        if self.is_punct(b',')? {
            self.lex.next()?;
        }
        self.expect_punct(b')', "`)`")?;
        self.leave();
        Ok(bits)
    }

    /// A float for [`de::Deserializer::deserialize_any`], of the type its
    /// suffix or path gives it (`f64` when none does).
    pub(super) fn any_float<V: Visitor<'de>>(&mut self, ty: &str, visitor: V) -> Result<V::Value> {
        if ty == "f32" {
            visitor.visit_f32(self.float::<f32>("f32")?)
        } else {
            visitor.visit_f64(self.float::<f64>("f64")?)
        }
    }
}

/// The type a float literal's suffix gives it: `f32` or `f64` (the default).
pub(super) fn float_type(text: &str) -> &'static str {
    if text.ends_with("f32") { "f32" } else { "f64" }
}

/// An integer literal, a byte literal or a constant like `u8::MAX`, read.
pub(super) struct IntLit<'de> {
    /// Written with a `-` in front.
    minus: bool,
    /// Below zero.
    negative: bool,
    magnitude: u128,
    /// The type the text gives it: its suffix (`7u8`), its constant's type
    /// (`u8::MAX`), `u8` for a byte literal.
    ty: Option<&'de str>,
    start: usize,
    end: usize,
}

impl IntLit<'_> {
    /// The value as a `T`, if it fits.
    fn value<T: TryFrom<i128> + TryFrom<u128>>(&self) -> Option<T> {
        if self.negative {
            i128::try_from(self.magnitude)
                .ok()
                .map(|m| -m)
                .or_else(|| (self.magnitude == 1u128 << 127).then_some(i128::MIN))
                .and_then(|v| T::try_from(v).ok())
        } else {
            T::try_from(self.magnitude).ok()
        }
    }

    /// Whether the value fits the integer type `ty`.
    fn fits(&self, ty: &str) -> bool {
        match ty {
            "i8" => self.value::<i8>().is_some(),
            "i16" => self.value::<i16>().is_some(),
            "i32" => self.value::<i32>().is_some(),
            "i64" => self.value::<i64>().is_some(),
            "isize" => self.value::<isize>().is_some(),
            "i128" => self.value::<i128>().is_some(),
            "u8" => self.value::<u8>().is_some(),
            "u16" => self.value::<u16>().is_some(),
            "u32" => self.value::<u32>().is_some(),
            "u64" => self.value::<u64>().is_some(),
            "usize" => self.value::<usize>().is_some(),
            "u128" => self.value::<u128>().is_some(),
            _ => false,
        }
    }
}

/// Whether a literal of type `own` is a `ty` as serde asks for it: serde
/// reads `usize` and `isize` as `u64` and `i64`.
pub(super) fn same_int_type(own: &str, ty: &str) -> bool {
    own == ty || matches!((own, ty), ("usize", "u64") | ("isize", "i64"))
}

/// The segments of a path as written, without a leading `::` and without
/// the `core::`, `std::`, `core::primitive::` or `std::primitive::` in
/// front of a primitive type's name.
pub(super) fn primitive_segments(path: &str) -> Vec<&str> {
    let mut segments: Vec<&str> = path.split("::").map(str::trim).collect();
    if segments.first() == Some(&"") {
        segments.remove(0);
    }
    if matches!(segments.first(), Some(&("core" | "std"))) && segments.len() > 2 {
        segments.remove(0);
        if segments.first() == Some(&"primitive") && segments.len() > 2 {
            segments.remove(0);
        }
    }
    segments
}

/// `u8::MAX`-style constants, by the path as written, as rustc resolves
/// it (`u8::MAX`, `::core::primitive::u8::MAX`, `std::u8::MAX`; not
/// `a::b::u8::MAX`): (its type, is negative, magnitude).
pub(super) fn int_constant(path: &str) -> Option<(&str, bool, u128)> {
    let [ty, name] = primitive_segments(path)[..] else {
        return None;
    };
    let bits: u32 = match ty {
        "i8" | "u8" => 8,
        "i16" | "u16" => 16,
        "i32" | "u32" => 32,
        "i64" | "u64" => 64,
        "isize" | "usize" => usize::BITS,
        "i128" | "u128" => 128,
        _ => return None,
    };
    let signed = ty.starts_with('i');
    let (negative, magnitude) = match (name, signed) {
        ("MAX", false) => (false, u128::MAX >> (128 - bits)),
        ("MAX", true) => (false, (1u128 << (bits - 1)) - 1),
        ("MIN", false) => (false, 0),
        ("MIN", true) => (true, 1u128 << (bits - 1)),
        _ => return None,
    };
    Some((ty, negative, magnitude))
}

/// What a path to a float constant names.
pub(super) enum FloatPath<'a> {
    /// `f64::NAN`, `f64::MAX`: an associated constant.
    Const(&'a str),
    /// `std::f64::consts::PI`.
    Consts(&'a str),
    /// `f64::from_bits`.
    FromBits,
}

/// A float constant's type and name, by the path as written, as rustc
/// resolves it (`f64::NAN`, `::core::f64::NAN`, `std::f64::consts::PI`).
pub(super) fn float_path(path: &str) -> Option<(&str, FloatPath<'_>)> {
    let segments = primitive_segments(path);
    let rooted = {
        let mut all: Vec<&str> = path.split("::").map(str::trim).collect();
        if all.first() == Some(&"") {
            all.remove(0);
        }
        matches!(all.first(), Some(&("core" | "std")))
    };
    match segments[..] {
        [ty @ ("f32" | "f64"), "from_bits"] => Some((ty, FloatPath::FromBits)),
        [ty @ ("f32" | "f64"), name] => Some((ty, FloatPath::Const(name))),
        [ty @ ("f32" | "f64"), "consts", name] if rooted => Some((ty, FloatPath::Consts(name))),
        _ => None,
    }
}

/// What the reader needs of `f32` and `f64`.
pub(super) trait FloatBits: Sized {
    fn from_bits(bits: u64) -> Option<Self>;
    /// An associated constant: `NAN`, `MAX`, ...
    fn constant(name: &str) -> Option<Self>;
    /// A constant of `std::f64::consts`: `PI`, `E`, `TAU`.
    fn math(name: &str) -> Option<Self>;
    fn negate(self) -> Self;
    fn is_infinite(&self) -> bool;
}

macro_rules! float_bits {
    ($ty:ident, $bits:ty) => {
        impl FloatBits for $ty {
            fn from_bits(bits: u64) -> Option<Self> {
                <$bits>::try_from(bits).ok().map($ty::from_bits)
            }
            fn constant(name: &str) -> Option<Self> {
                Some(match name {
                    "NAN" => $ty::NAN,
                    "INFINITY" => $ty::INFINITY,
                    "NEG_INFINITY" => $ty::NEG_INFINITY,
                    "MAX" => $ty::MAX,
                    "MIN" => $ty::MIN,
                    "MIN_POSITIVE" => $ty::MIN_POSITIVE,
                    "EPSILON" => $ty::EPSILON,
                    _ => return None,
                })
            }
            fn math(name: &str) -> Option<Self> {
                Some(match name {
                    "PI" => std::$ty::consts::PI,
                    "E" => std::$ty::consts::E,
                    "TAU" => std::$ty::consts::TAU,
                    _ => return None,
                })
            }
            fn negate(self) -> Self {
                -self
            }
            fn is_infinite(&self) -> bool {
                $ty::is_infinite(*self)
            }
        }
    };
}

float_bits!(f64, u64);
float_bits!(f32, u32);
