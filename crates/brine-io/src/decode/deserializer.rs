//! serde's side of the decoder: the [`Deserializer`](de::Deserializer) of
//! postcard's format over [`Decoder`], and the sequence, map and enum
//! access it hands to visitors. Every depth level is entered here (through
//! `nested`), every element counted here (through `elements` and [`Seq`]);
//! the bytes are read by the parent module.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{
    Bytes, DecodeError, Decoder, Exceeded, Fail, unlikely, zigzag_i16, zigzag_i32, zigzag_i64, zigzag_i128,
};

/// The methods of a [`Deserializer`](de::Deserializer) that read a value
/// of no depth from `self.input` ([`Bytes`]): the decoder's own, or the
/// copy a sequence's elements read (see [`Seq`]).
macro_rules! primitives {
    () => {
        #[inline(always)]
        fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            match self.input.byte()? {
                0 => visitor.visit_bool(false),
                1 => visitor.visit_bool(true),
                _ => Err(DecodeError::Bool.into()),
            }
        }

        #[inline(always)]
        fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_i8(self.input.byte()? as i8)
        }

        #[inline(always)]
        fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_i16(zigzag_i16(self.input.u16()?))
        }

        #[inline(always)]
        fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_i32(zigzag_i32(self.input.u32()?))
        }

        #[inline(always)]
        fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_i64(zigzag_i64(self.input.u64()?))
        }

        #[inline]
        fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_i128(zigzag_i128(self.input.varint_u128()?))
        }

        #[inline(always)]
        fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_u8(self.input.byte()?)
        }

        #[inline(always)]
        fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_u16(self.input.u16()?)
        }

        #[inline(always)]
        fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_u32(self.input.u32()?)
        }

        #[inline(always)]
        fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_u64(self.input.u64()?)
        }

        #[inline]
        fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_u128(self.input.varint_u128()?)
        }

        #[inline(always)]
        fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_f32(f32::from_le_bytes(self.input.array()?))
        }

        #[inline(always)]
        fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_f64(f64::from_le_bytes(self.input.array()?))
        }

        fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            let len = self.input.len()?;
            if len > 4 {
                return Err(DecodeError::Char.into());
            }
            let bytes = self.input.take(len)?;
            let mut chars = std::str::from_utf8(bytes).map_err(|_| DecodeError::Char)?.chars();
            match (chars.next(), chars.next()) {
                (Some(char), None) => visitor.visit_char(char),
                _ => Err(DecodeError::Char.into()),
            }
        }

        #[inline(always)]
        fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_borrowed_str(self.input.str()?)
        }

        #[inline(always)]
        fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_str(self.input.str()?)
        }

        #[inline]
        fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            let len = self.input.len()?;
            visitor.visit_borrowed_bytes(self.input.take(len)?)
        }

        #[inline]
        fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            let len = self.input.len()?;
            visitor.visit_bytes(self.input.take(len)?)
        }

        #[inline]
        fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            visitor.visit_unit()
        }
    };
}

/// The methods of a [`Deserializer`](de::Deserializer) for the values
/// that are one level deep (counted by `nested`) and read in place: an
/// option's inside, a newtype's, a tuple's or a struct's elements, read from
/// `self.input` by the decoder and by a sequence's element. Sequences and
/// tuples (arrays among them) read theirs from a copy of their own
/// (`elements`); a struct's fields (`fields`) too when the decoder reads
/// the struct, and in the sequence's copy, in place, when it is a
/// sequence's element ([`Fields`]).
macro_rules! levels {
    () => {
        #[inline]
        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            self.nested(|this| match this.input.byte()? {
                0 => visitor.visit_none(),
                1 => visitor.visit_some(this),
                _ => Err(DecodeError::OptionTag.into()),
            })
        }

        #[inline]
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Fail> {
            self.nested(|_| visitor.visit_unit())
        }

        #[inline]
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Fail> {
            self.nested(|this| visitor.visit_newtype_struct(this))
        }

        #[inline]
        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
            self.nested(|this| {
                let len = this.input.len()?;
                this.elements(len, visitor)
            })
        }

        #[inline]
        fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Fail> {
            self.nested(|this| this.elements(len, visitor))
        }

        #[inline]
        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, Fail> {
            self.nested(|this| this.fields(len, visitor))
        }

        #[inline]
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Fail> {
            self.nested(|this| this.fields(fields.len(), visitor))
        }
    };
}

impl<'de> Decoder<'de> {
    /// The fields of a struct or tuple struct: read as a sequence's
    /// elements, from a copy that stays in registers while the visitor
    /// fills the value (read in place from the decoder's own bytes, a
    /// struct of eight `i64`s took 6% more instructions).
    #[inline(always)]
    fn fields<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Fail> {
        self.elements(len, visitor)
    }

    /// Elements of a sequence, tuple or struct: `len` of them.
    #[inline(always)]
    fn elements<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Fail> {
        self.elements_from(self.input, len, visitor)
    }

    /// [`elements`](Self::elements) read from `input`, the bytes left (an
    /// enclosing sequence's copy, still in registers).
    #[inline(always)]
    fn elements_from<V: Visitor<'de>>(
        &mut self,
        input: Bytes<'de>,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Fail> {
        let (left, uncounted) = if len <= input.0.len() {
            if let Err(fail) = self.count(len as u64) {
                self.input = input;
                return Err(fail);
            }
            (len, 0)
        } else {
            (0, len)
        };
        // the innermost sequence's while its elements are read
        let outer = std::mem::replace(&mut self.uncounted, uncounted);
        let back = Uncounted { de: self, outer };
        // the elements read a copy of the bytes left, which `Seq` hands
        // back when the visitor drops it
        // ... and until then, the decoder holds a place no sequence leaves:
        // a visitor that forgets its sequence (`mem::forget`) leaves the
        // decoder there, where nothing more can be read, and the load says
        // so (`Decoder::lost`), rather than read again from before it
        back.de.input = Bytes::UNKNOWN;
        visitor.visit_seq(Seq { input, de: back.de, left })
    }
}

impl<'de> de::Deserializer<'de> for &mut Decoder<'de> {
    type Error = Fail;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Fail> {
        self.nested(|_| Err(Fail::Unsupported))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Fail> {
        Err(Fail::Unsupported)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Fail> {
        self.nested(|_| Err(Fail::Unsupported))
    }

    primitives!();
    levels!();

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        self.nested(|de| {
            let len = de.input.len()?;
            de.count(len as u64)?;
            visitor.visit_map(Map { de, left: len })
        })
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fail> {
        self.nested(|de| visitor.visit_enum(de))
    }
}

/// The elements of a sequence, tuple or struct.
///
/// It reads its elements' bytes from a copy of the decoder's, owned by the
/// visitor that holds it: nothing else can point at that copy, so the
/// compiler keeps it in registers across the element loop even where the
/// loop writes through pointers (a `Vec`'s buffer), which the decoder's
/// own could be behind. Numbers, strings, options, newtypes, tuples,
/// sequences and structs are read from the copy; maps and enums go to the
/// decoder, the copy handed over and taken back around them ([`TakeBack`],
/// also when they panic and the visitor catches it). When the visitor
/// drops it, the decoder gets the bytes left back, also when the visitor
/// fails or panics; until then the decoder holds [`Bytes::UNKNOWN`], so a
/// visitor that forgets it instead leaves the decoder nowhere to read
/// from, and the load fails saying so.
struct Seq<'a, 'de> {
    input: Bytes<'de>,
    de: &'a mut Decoder<'de>,
    /// The elements left that were counted; those that were not wait in
    /// the decoder's `uncounted`, so that a counted sequence checks one
    /// number per element.
    left: usize,
}

impl Drop for Seq<'_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.de.input = self.input;
    }
}

/// Takes the decoder's bytes left back into a sequence's copy when it
/// drops: after the decoder read an element for the sequence, also when
/// that panicked and the visitor caught it. The decoder holds
/// [`Bytes::UNKNOWN`] again, as it does while the sequence lives: a visitor
/// that forgets the sequence after this element still leaves it nowhere.
struct TakeBack<'s, 'a, 'de>(&'s mut Seq<'a, 'de>);

impl Drop for TakeBack<'_, '_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.input = std::mem::replace(&mut self.0.de.input, Bytes::UNKNOWN);
    }
}

/// A level a sequence's element entered ([`Seq::nested`]): left when this
/// drops.
struct SeqUp<'s, 'a, 'de>(&'s mut Seq<'a, 'de>);

impl Drop for SeqUp<'_, '_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.de.depth_left += 1;
    }
}

/// The elements of the sequence around one that a decoder reads, not
/// counted up front: put back in the decoder when this drops, also when a
/// visitor further out catches a panic from inside and reads on.
struct Uncounted<'a, 'de> {
    de: &'a mut Decoder<'de>,
    outer: usize,
}

impl Drop for Uncounted<'_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.de.uncounted = self.outer;
    }
}

impl<'de> Seq<'_, 'de> {
    /// Runs `f` on the decoder, with the bytes this sequence has left.
    #[inline(always)]
    fn on_decoder<R>(&mut self, f: impl FnOnce(&mut Decoder<'de>) -> R) -> R {
        self.de.input = self.input;
        let back = TakeBack(self);
        f(back.0.de)
    }

    /// Runs `f` one level deeper, as [`Decoder::nested`] (and as it, the
    /// level is left also when `f` panics).
    #[inline(always)]
    fn nested<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R, Fail>) -> Result<R, Fail> {
        if self.de.depth_left == 0 {
            return Err(self.de.exceed(Exceeded::Depth));
        }
        self.de.depth_left -= 1;
        let up = SeqUp(self);
        f(up.0)
    }

    /// Elements of a sequence, tuple or struct: `len` of them, read from
    /// this sequence's copy of the bytes (the decoder's is set first, and
    /// the copy taken back after).
    #[inline(always)]
    fn elements<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Fail> {
        // `elements_from` leaves the bytes left in the decoder, whichever
        // way it ends
        let input = self.input;
        let back = TakeBack(self);
        back.0.de.elements_from(input, len, visitor)
    }
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Fail;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Fail> {
        if unlikely(self.left == 0) {
            if self.de.uncounted == 0 {
                return Ok(None);
            }
            self.de.uncounted -= 1;
            self.de.count(1)?;
        } else {
            self.left -= 1;
        }
        seed.deserialize(&mut *self).map(Some)
    }

    /// As the provided method, inlined into the visitor's loop for certain.
    #[inline(always)]
    fn next_element<T: de::Deserialize<'de>>(&mut self) -> Result<Option<T>, Fail> {
        self.next_element_seed(std::marker::PhantomData)
    }

    /// The elements left, while the bytes left could hold them.
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        let left = self.left.saturating_add(self.de.uncounted);
        (left <= self.input.0.len()).then_some(left)
    }
}

/// The deserializer of one element: numbers, strings, options, newtypes,
/// tuples, sequences and structs read from the sequence's copy of the
/// bytes; maps and enums by the decoder, the copy handed over and back.
impl<'de> de::Deserializer<'de> for &mut Seq<'_, 'de> {
    type Error = Fail;

    fn is_human_readable(&self) -> bool {
        false
    }

    primitives!();
    levels!();

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        self.on_decoder(|de| de.deserialize_any(visitor))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        self.on_decoder(|de| de.deserialize_identifier(visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        self.on_decoder(|de| de.deserialize_ignored_any(visitor))
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        self.on_decoder(|de| de.deserialize_map(visitor))
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fail> {
        self.on_decoder(|de| de.deserialize_enum(name, variants, visitor))
    }
}

/// The fields of a struct or tuple struct that is an element of a
/// sequence: read from the sequence's copy of the bytes, in place.
/// The copy a [`Seq`] of their own would take pays for itself in a loop
/// over many elements, not over a struct's few fields; and a visitor that
/// forgets its `Fields` loses nothing: the bytes read are read.
struct Fields<'s, 'a, 'de> {
    seq: &'s mut Seq<'a, 'de>,
    /// The fields left that were counted up front.
    left: usize,
    /// The fields left that count one by one.
    uncounted: usize,
}

impl<'de> Seq<'_, 'de> {
    /// The fields of a struct or tuple struct that is an element of this
    /// sequence: `len` of them, counted against the element budget up front
    /// when the bytes left could hold that many, one by one as they are
    /// read otherwise (as a sequence's elements are).
    #[inline(always)]
    fn fields<V: Visitor<'de>>(&mut self, len: usize, visitor: V) -> Result<V::Value, Fail> {
        let (left, uncounted) = if len <= self.input.0.len() {
            self.de.count(len as u64)?;
            (len, 0)
        } else {
            (0, len)
        };
        visitor.visit_seq(Fields { seq: self, left, uncounted })
    }
}

impl<'de> de::SeqAccess<'de> for Fields<'_, '_, 'de> {
    type Error = Fail;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Fail> {
        if unlikely(self.left == 0) {
            if self.uncounted == 0 {
                return Ok(None);
            }
            self.uncounted -= 1;
            self.seq.de.count(1)?;
        } else {
            self.left -= 1;
        }
        seed.deserialize(&mut *self.seq).map(Some)
    }

    /// As the provided method, inlined into the visitor for certain.
    #[inline(always)]
    fn next_element<T: de::Deserialize<'de>>(&mut self) -> Result<Option<T>, Fail> {
        self.next_element_seed(std::marker::PhantomData)
    }

    /// The fields left, while the bytes left could hold them.
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        let left = self.left + self.uncounted;
        (left <= self.seq.input.0.len()).then_some(left)
    }
}

/// The entries of a map.
struct Map<'a, 'de> {
    de: &'a mut Decoder<'de>,
    left: usize,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Fail;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Fail> {
        if unlikely(self.left == 0) {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Fail> {
        seed.deserialize(&mut *self.de)
    }

    /// The entries left, at most the bytes left (zero-sized entries aside,
    /// each costs a byte).
    #[inline]
    fn size_hint(&self) -> Option<usize> {
        Some(self.left.min(self.de.rest().len()))
    }
}

impl<'de> de::EnumAccess<'de> for &mut Decoder<'de> {
    type Error = Fail;
    type Variant = Self;

    #[inline]
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Fail> {
        let index = self.input.u32()?;
        let value = seed.deserialize(IntoDeserializer::<Fail>::into_deserializer(index))?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Decoder<'de> {
    type Error = Fail;

    #[inline]
    fn unit_variant(self) -> Result<(), Fail> {
        Ok(())
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Fail> {
        seed.deserialize(self)
    }

    // a variant's fields are a level of their enum, not one of their own
    #[inline]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Fail> {
        self.elements(len, visitor)
    }

    #[inline]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fail> {
        self.elements(fields.len(), visitor)
    }
}
