//! The access types serde's visitors read through: the items of a sequence,
//! the fields of a struct, the entries of a map, an enum's variant.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{Deserializer, Path, Result, Str};
use crate::value::error::ReadError;
use crate::value::lexer::{Lexer, Tok};

pub(super) struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bytes")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Vec<u8>, A::Error> {
        let mut bytes = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        Ok(bytes)
    }
}

/// Items of a sequence, tuple or tuple struct, up to `close`.
pub(super) struct Items<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) close: u8,
    pub(super) first: bool,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.de.separator(&mut self.first, self.close)?;
        if self.de.is_punct(self.close)? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// `name: value` fields of a struct literal, up to `}`.
pub(super) struct Fields<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) first: bool,
}

impl<'de> de::MapAccess<'de> for Fields<'_, 'de> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.first {
            let token = self.de.peek()?;
            if token.tok == Tok::Punct(b',') {
                self.de.lex.next()?;
            } else if token.tok != Tok::Punct(b'}') {
                return Err(self.de.unexpected(&token, "`,` or `}`"));
            }
        }
        self.first = false;
        let token = self.de.peek()?;
        let key = match token.tok {
            Tok::Punct(b'}') => return Ok(None),
            Tok::Ident(name) => {
                self.de.lex.next()?;
                seed.deserialize(de::value::BorrowedStrDeserializer::<ReadError>::new(name))
            }
            Tok::Str { .. } => {
                self.de.lex.next()?;
                match self.de.string(&token)? {
                    Some(Str::Borrowed(s)) => {
                        seed.deserialize(de::value::BorrowedStrDeserializer::<ReadError>::new(s))
                    }
                    Some(Str::Owned(s)) => seed.deserialize(s.into_deserializer()),
                    None => return Err(self.de.unexpected(&token, "a field name")),
                }
            }
            _ => return Err(self.de.unexpected(&token, "a field name or `}`")),
        }
        .map_err(|e| e.at(token.start))?;
        self.de.expect_punct(b':', "`:` after the field name")?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

/// `(key, value)` entries of a map, up to `close`.
pub(super) struct Pairs<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) close: u8,
    pub(super) first: bool,
}

impl<'de> de::MapAccess<'de> for Pairs<'_, 'de> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        self.de.separator(&mut self.first, self.close)?;
        let token = self.de.lex.next()?;
        match token.tok {
            Tok::Punct(c) if c == self.close => {
                // Put it back for the caller's closing check.
                self.de.lex = Lexer::at(self.de.lex.src(), token.start);
                return Ok(None);
            }
            Tok::Punct(b'(') => {}
            _ => {
                return Err(self
                    .de
                    .unexpected(&token, &format!("a `(key, value)` entry or `{}`", self.close as char)));
            }
        }
        let key = seed.deserialize(&mut *self.de)?;
        self.de.expect_punct(b',', "`,` between the key and the value")?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let value = seed.deserialize(&mut *self.de)?;
        self.de.close(b')')?;
        Ok(value)
    }
}

/// An enum variant: `Variant`, `Enum::Variant`, then `(..)`, `{..}` or nothing.
pub(super) struct Enum<'a, 'de> {
    pub(super) de: &'a mut Deserializer<'de>,
    pub(super) path: Path<'de>,
}

impl<'de> de::EnumAccess<'de> for Enum<'_, 'de> {
    type Error = ReadError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let variant = seed
            .deserialize(de::value::BorrowedStrDeserializer::<ReadError>::new(self.path.last))
            .map_err(|e| e.at(self.path.start))?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'_, 'de> {
    type Error = ReadError;

    fn unit_variant(self) -> Result<()> {
        let token = self.de.peek()?;
        if matches!(token.tok, Tok::Punct(b'(' | b'{')) {
            return Err(ReadError::data(
                token.start,
                format!(
                    "expected nothing after unit variant `{}`, found {}",
                    self.path.last,
                    self.de.lex.describe(&token)
                ),
            ));
        }
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        let open = self.de.lex.next()?;
        if open.tok != Tok::Punct(b'(') {
            return Err(self
                .de
                .unexpected(&open, &format!("`(` after newtype variant `{}`", self.path.last)));
        }
        let value = seed.deserialize(&mut *self.de)?;
        self.de.close(b')')?;
        Ok(value)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        let token = self.de.peek()?;
        if token.tok != Tok::Punct(b'(') {
            return Err(self.de.unexpected(&token, &format!("`(` after tuple variant `{}`", self.path.last)));
        }
        self.de.struct_body(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let token = self.de.peek()?;
        if !matches!(token.tok, Tok::Punct(b'{' | b'(')) {
            return Err(self
                .de
                .unexpected(&token, &format!("`{{` after struct variant `{}`", self.path.last)));
        }
        self.de.struct_body(visitor)
    }
}
