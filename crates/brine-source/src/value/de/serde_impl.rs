//! The serde side of the reader: `serde::Deserializer` for the reader, and
//! the values that may hold other values, each read inside
//! [`Deserializer::nest`].

use serde::de::{self, Visitor};

use super::access::{BytesVisitor, Enum, Pairs};
use super::number::{float_path, float_type, int_constant};
use super::{Deserializer, Result, Str};
use crate::value::error::ReadError;
use crate::value::lexer::{Tok, unescape};

macro_rules! deserialize_int {
    ($($method:ident $visit:ident $ty:ident $what:literal $range:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                let value = self.int_in::<$ty>(stringify!($ty), $what, $range)?;
                visitor.$visit(value)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.nest(|de| de.read_any(visitor))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = self.value(|de| {
            let token = de.lex.next()?;
            match token.tok {
                Tok::Ident("true") => Ok(true),
                Tok::Ident("false") => Ok(false),
                _ => Err(de.unexpected(&token, "a bool (`true` or `false`)")),
            }
        })?;
        visitor.visit_bool(value)
    }

    deserialize_int! {
        deserialize_i8 visit_i8 i8 "an i8" "-128 to 127";
        deserialize_i16 visit_i16 i16 "an i16" "-32768 to 32767";
        deserialize_i32 visit_i32 i32 "an i32" "-2147483648 to 2147483647";
        deserialize_i64 visit_i64 i64 "an i64" "-2^63 to 2^63 - 1";
        deserialize_i128 visit_i128 i128 "an i128" "-2^127 to 2^127 - 1";
        deserialize_u8 visit_u8 u8 "a u8" "0 to 255";
        deserialize_u16 visit_u16 u16 "a u16" "0 to 65535";
        deserialize_u32 visit_u32 u32 "a u32" "0 to 4294967295";
        deserialize_u64 visit_u64 u64 "a u64" "0 to 2^64 - 1";
        deserialize_u128 visit_u128 u128 "a u128" "0 to 2^128 - 1";
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = self.float::<f32>("f32")?;
        visitor.visit_f32(value)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = self.float::<f64>("f64")?;
        visitor.visit_f64(value)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let open = self.open_wrappers()?;
        self.finish_char(open, visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let start = self.peek()?.start;
        let open = self.open_wrappers()?;
        let token = self.lex.next()?;
        let value = match self.string(&token)? {
            Some(Str::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Some(Str::Owned(s)) => visitor.visit_string(s),
            None => return Err(self.unexpected(&token, "a string literal")),
        }
        .map_err(|e: ReadError| e.at(start))?;
        self.close_wrappers(open)?;
        Ok(value)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let open = self.open_wrappers()?;
        self.finish_bytes(open, visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.nest(|de| de.read_option(visitor))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.value(|de| {
            let open = de.lex.next()?;
            let close = de.lex.next()?;
            if open.tok == Tok::Punct(b'(') && close.tok == Tok::Punct(b')') {
                Ok(())
            } else {
                Err(de.unexpected(&open, "`()`"))
            }
        })?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value> {
        self.value(|de| {
            de.type_path(name, "unit struct")?;
            // `Name {}` and `Name()` are unit structs too.
            for (open, close) in [(b'{', b'}'), (b'(', b')')] {
                if de.is_punct(open)? {
                    de.lex.next()?;
                    let token = de.lex.next()?;
                    if token.tok != Tok::Punct(close) {
                        return Err(de.unexpected(&token, &format!("`{}`", close as char)));
                    }
                }
            }
            Ok(())
        })?;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value> {
        self.nest(|de| de.read_newtype_struct(name, visitor))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.nest(|de| de.read_seq(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.nest(|de| de.read_tuple(_len, visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.nest(|de| de.read_tuple_struct(name, _len, visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.nest(|de| de.read_map(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.nest(|de| de.read_struct(name, _fields, visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.nest(|de| de.read_enum(name, _variants, visitor))
    }

    /// A name: an identifier, or a string (`"type".into()`, as the writer
    /// gives a tag or a flattened field).
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let open = self.open_wrappers()?;
        let token = self.lex.next()?;
        let value = match token.tok {
            Tok::Ident(name) => visitor.visit_borrowed_str(name),
            _ => match self.string(&token)? {
                Some(Str::Borrowed(s)) => visitor.visit_borrowed_str(s),
                Some(Str::Owned(s)) => visitor.visit_string(s),
                None => Err(self.unexpected(&token, "a name")),
            },
        }
        .map_err(|e| e.at(token.start))?;
        self.close_wrappers(open)?;
        Ok(value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }
}

/// The values that may hold other values, each read inside [`Deserializer::nest`].
impl<'de> Deserializer<'de> {
    fn read_any<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let start = self.peek()?.start;
        let open = self.open_wrappers()?;
        let token = self.peek()?;
        let value = match token.tok {
            Tok::Int(_) | Tok::Byte(_) => self.any_integer(visitor),
            Tok::Punct(b'-') => self.any_negative(visitor),
            Tok::Float(text) => self.any_float(float_type(text), visitor),
            Tok::Str { .. } => {
                self.lex.next()?;
                match self.string(&token)? {
                    Some(Str::Borrowed(s)) => visitor.visit_borrowed_str(s),
                    Some(Str::Owned(s)) => visitor.visit_string(s),
                    None => Err(self.unexpected(&token, "a string")),
                }
            }
            Tok::ByteStr { .. } => return self.finish_bytes(open, visitor),
            Tok::Char(_) => return self.finish_char(open, visitor),
            Tok::Punct(b'(') => {
                let mut ahead = self.lex.clone();
                ahead.next()?;
                if ahead.peek()?.tok == Tok::Punct(b')') {
                    self.lex = ahead;
                    self.lex.next()?;
                    visitor.visit_unit()
                } else {
                    self.seq_body(visitor, "a value")
                }
            }
            Tok::Punct(b'[') => self.seq_body(visitor, "a value"),
            Tok::Ident(name @ ("true" | "false")) => {
                self.lex.next()?;
                visitor.visit_bool(name == "true")
            }
            Tok::Ident(_) | Tok::PathSep => self.any_path(visitor),
            _ => Err(self.unexpected(&token, "a value")),
        }
        .map_err(|e: ReadError| e.at(start))?;
        self.close_wrappers(open)?;
        Ok(value)
    }

    /// After `-`: an integer or a float, by what follows (`-1`, `-1.5f32`,
    /// `-f32::MAX`, `-i64::MAX`).
    fn any_negative<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let saved = self.lex.clone();
        self.lex.next()?;
        let next = self.peek()?;
        let text = match next.tok {
            Tok::Ident(_) | Tok::PathSep => self.path()?.map_or("", |p| self.path_text(&p)),
            _ => "",
        };
        self.lex = saved;
        match next.tok {
            Tok::Int(_) => self.any_integer(visitor),
            Tok::Float(text) => self.any_float(float_type(text), visitor),
            _ => match float_path(text) {
                Some((ty, _)) => self.any_float(ty, visitor),
                None if int_constant(text).is_some() => self.any_integer(visitor),
                None => self.any_float("f64", visitor),
            },
        }
    }

    /// A value that starts with a path: `vec![..]`, `None`, `Some(..)`, a
    /// struct, a call (a newtype or a tuple struct), a constant, or a name
    /// (a unit variant or struct).
    fn any_path<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let saved = self.lex.clone();
        let token = self.peek()?;
        let Some(path) = self.path()? else {
            return Err(self.unexpected(&token, "a value"));
        };
        let next = self.peek()?;
        let text = self.path_text(&path);
        match (path.last, next.tok) {
            ("vec", Tok::Punct(b'!')) => {
                self.lex = saved;
                self.seq_body(visitor, "a value")
            }
            ("None", _) => visitor.visit_none(),
            ("Some", Tok::Punct(b'(')) => {
                self.lex.next()?;
                let value = visitor.visit_some(&mut *self)?;
                self.close(b')')?;
                Ok(value)
            }
            (_, Tok::Punct(b'{')) => self.struct_body(visitor),
            _ if float_path(text).is_some() => {
                let ty = float_path(text).map_or("f64", |(ty, _)| ty);
                self.lex = saved;
                self.any_float(ty, visitor)
            }
            // One argument: the value itself (a newtype); several: a sequence.
            (_, Tok::Punct(b'(')) if self.one_argument()? => {
                self.lex.next()?;
                let value = de::Deserializer::deserialize_any(&mut *self, visitor)?;
                self.close(b')')?;
                Ok(value)
            }
            (_, Tok::Punct(b'(')) => self.struct_body(visitor),
            _ if int_constant(text).is_some() => {
                self.lex = saved;
                self.any_integer(visitor)
            }
            (last, _) => visitor.visit_borrowed_str(last),
        }
    }

    fn read_option<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let start = self.peek()?.start;
        let open = self.open_wrappers()?;
        let saved = self.lex.clone();
        let path = self.path()?;
        let value = match path.map(|p| (p.parent, p.last)) {
            Some((None | Some("Option"), "None")) => visitor.visit_none(),
            Some((None | Some("Option"), "Some")) if self.is_punct(b'(')? => {
                self.lex.next()?;
                let value = visitor.visit_some(&mut *self)?;
                self.close(b')')?;
                Ok(value)
            }
            _ => {
                // A bare value stands for `Some(value)`.
                self.lex = saved;
                visitor.visit_some(&mut *self)
            }
        }
        .map_err(|e: ReadError| e.at(start))?;
        self.close_wrappers(open)?;
        Ok(value)
    }

    fn read_newtype_struct<V: Visitor<'de>>(&mut self, name: &'static str, visitor: V) -> Result<V::Value> {
        self.value(|de| {
            let saved = de.lex.clone();
            if let Some(path) = de.path_from(true)?
                && path.last == name
                && de.is_punct(b'(')?
            {
                de.lex.next()?;
                let value = visitor.visit_newtype_struct(&mut *de)?;
                de.close(b')')?;
                return Ok(value);
            }
            // Without its name, the inner value alone.
            de.lex = saved;
            visitor.visit_newtype_struct(&mut *de)
        })
    }

    fn read_seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.value(|de| de.seq_body(visitor, "a sequence (`[..]`, `[..].into()` or `vec![..]`)"))
    }

    fn read_tuple<V: Visitor<'de>>(&mut self, _len: usize, visitor: V) -> Result<V::Value> {
        self.value(|de| de.seq_body(visitor, "a tuple `(..)` or an array `[..]`"))
    }

    fn read_tuple_struct<V: Visitor<'de>>(
        &mut self,
        name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.value(|de| {
            de.type_path(name, "tuple struct")?;
            de.struct_body(visitor)
        })
    }

    fn read_map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.value(|de| {
            let token = de.peek()?;
            if matches!(token.tok, Tok::Ident(_) | Tok::PathSep) {
                let saved = de.lex.clone();
                de.path()?;
                if de.is_punct(b'{')? {
                    return de.struct_body(visitor);
                }
                de.lex = saved;
            }
            let open = de.list_open()?;
            let close = match open.tok {
                Tok::Punct(b'[') => b']',
                Tok::Punct(b'(') => b')',
                _ => {
                    return Err(
                        de.unexpected(&open, "a map: `[(key, value), ..]` or `[(key, value), ..].into()`")
                    );
                }
            };
            let value = visitor.visit_map(Pairs { de, close, first: true })?;
            de.close(close)?;
            Ok(value)
        })
    }

    fn read_struct<V: Visitor<'de>>(
        &mut self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.value(|de| {
            de.type_path(name, "struct")?;
            de.struct_body(visitor)
        })
    }

    fn read_enum<V: Visitor<'de>>(
        &mut self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.value(|de| {
            let token = de.peek()?;
            let Some(path) = de.path_from(true)? else {
                return Err(de.unexpected(&token, &format!("a variant of enum `{name}`")));
            };
            if let Some(parent) = path.parent {
                de.check_name(&path, name, parent, "enum")?;
            }
            visitor.visit_enum(Enum { de, path })
        })
    }
}

impl<'de> Deserializer<'de> {
    fn finish_char<V: Visitor<'de>>(&mut self, open: usize, visitor: V) -> Result<V::Value> {
        let token = self.lex.next()?;
        let Tok::Char(body) = token.tok else {
            return Err(self.unexpected(&token, "a char literal like `'a'`"));
        };
        let bytes = unescape(body, token.start + 1, false)?;
        let text = std::str::from_utf8(&bytes).unwrap_or("");
        let mut chars = text.chars();
        let value = match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c).map_err(|e: ReadError| e.at(token.start))?,
            _ => return Err(self.unexpected(&token, "one character")),
        };
        self.close_wrappers(open)?;
        Ok(value)
    }

    fn finish_bytes<V: Visitor<'de>>(&mut self, open: usize, visitor: V) -> Result<V::Value> {
        let token = self.peek()?;
        let value = match token.tok {
            Tok::ByteStr { body, raw } => {
                self.lex.next()?;
                if raw || !body.contains('\\') {
                    visitor.visit_borrowed_bytes(body.as_bytes())
                } else {
                    visitor.visit_byte_buf(unescape(body, token.start + 2, true)?)
                }
            }
            Tok::Str { .. } => {
                self.lex.next()?;
                match self.string(&token)? {
                    Some(Str::Borrowed(s)) => visitor.visit_borrowed_bytes(s.as_bytes()),
                    Some(Str::Owned(s)) => visitor.visit_byte_buf(s.into_bytes()),
                    None => Err(self.unexpected(&token, "bytes")),
                }
            }
            _ => {
                let bytes: Vec<u8> =
                    self.seq_body(BytesVisitor, "bytes: a byte string `b\"..\"` or a list of integers")?;
                visitor.visit_byte_buf(bytes)
            }
        }
        .map_err(|e: ReadError| e.at(token.start))?;
        self.close_wrappers(open)?;
        Ok(value)
    }
}
