//! Limits on what a payload may make the decoder do: how deep values nest and
//! how many elements sequences and maps hold.
//!
//! The envelope's length cap bounds the bytes, but not the work: a payload of
//! a few bytes can claim 2^60 elements of a zero-sized type (each costs no
//! byte, so the decoder would loop for ages), and a payload of nested
//! `Some(Box<..>)` values recurses once per byte until the stack overflows.
//! [`Limited`] wraps postcard's deserializer and every visitor, sequence, map
//! and enum it hands out, counting nesting depth and elements, and stops with
//! a distinct [`load::Error`] when either goes over its limit.
//!
//! Every element that is not zero-sized costs at least one payload byte, so
//! the element budget is the payload's length plus an allowance for
//! zero-sized elements: no real value of non-zero-sized elements ever hits it.
//!
//! The wrappers also keep what `Deserialize` impls say. Postcard turns every
//! `de::Error::custom` message into its bare `SerdeDeCustom`, so the code the
//! decoder calls (the value's `Deserialize`, visitors, seeds, sequence, map
//! and enum access) sees errors of type [`Kept`] instead, whose `custom`
//! keeps the first message in a thread-local slot for the load to report
//! (an unknown typetag tag, a failed check).

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use crate::load::error as load; // the error alone: no loop back into load.rs

/// Counters and limits shared by every wrapper of one decode.
pub(crate) struct Limits {
    depth: Cell<u32>,
    max_depth: u32,
    elements: Cell<u64>,
    payload_len: u64,
    max_zero_sized: u64,
    exceeded: RefCell<Option<load::Error>>,
}

/// The error the value's code sees: the decoder's own, or a custom one
/// whose message waits in [`MESSAGE`]. It is no bigger than the decoder's
/// error, so the `Result` of every element stays as small as postcard's
/// (a `String` in it made loading 1000 ints 75% slower).
#[derive(Debug)]
pub(crate) enum Kept<E> {
    Inner(E),
    Custom,
}

thread_local! {
    /// The first custom message of the decode running on this thread.
    static MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn keep_message(message: String) {
    MESSAGE.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(message);
        }
    });
}

/// Runs a decode with an empty message slot; hands back its first message.
pub(crate) fn keeping_messages<R>(f: impl FnOnce() -> R) -> (R, Option<String>) {
    struct Reset(Option<String>);
    impl Drop for Reset {
        fn drop(&mut self) {
            MESSAGE.with(|slot| *slot.borrow_mut() = self.0.take());
        }
    }
    // the outer decode's message comes back when `_reset` drops, also on panic
    let _reset = Reset(MESSAGE.with(|slot| slot.borrow_mut().take()));
    let result = f();
    (result, MESSAGE.with(|slot| slot.borrow_mut().take()))
}

impl<E: fmt::Display> fmt::Display for Kept<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kept::Inner(error) => error.fmt(f),
            Kept::Custom => {
                MESSAGE.with(|slot| f.write_str(slot.borrow().as_deref().unwrap_or("custom error")))
            }
        }
    }
}

impl<E: std::error::Error> std::error::Error for Kept<E> {}

impl<E: de::Error> de::Error for Kept<E> {
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> Self {
        keep_message(message.to_string());
        Kept::Custom
    }
}

impl Limits {
    pub(crate) fn new(max_depth: u32, payload_len: u64, max_zero_sized: u64) -> Self {
        Limits {
            depth: Cell::new(0),
            max_depth,
            elements: Cell::new(0),
            payload_len,
            max_zero_sized,
            exceeded: RefCell::new(None),
        }
    }

    /// An error of the value's code, handed back to the decoder (its
    /// message stays in the slot).
    #[inline]
    fn back<E: de::Error>(&self, error: Kept<E>) -> E {
        match error {
            Kept::Inner(error) => error,
            Kept::Custom => E::custom("a Deserialize impl refused the value"),
        }
    }

    /// The limit that stopped the decode, if one did.
    pub(crate) fn take_exceeded(&self) -> Option<load::Error> {
        self.exceeded.borrow_mut().take()
    }

    fn refuse<E: de::Error>(&self, error: load::Error) -> E {
        let message = error.to_string();
        *self.exceeded.borrow_mut() = Some(error);
        E::custom(message)
    }

    /// One level deeper, until the returned guard is dropped.
    fn enter<E: de::Error>(&self) -> Result<DepthGuard<'_>, E> {
        let depth = self.depth.get() + 1;
        if depth > self.max_depth {
            return Err(self.refuse(load::Error::TooDeep { max: self.max_depth }));
        }
        self.depth.set(depth);
        Ok(DepthGuard(&self.depth))
    }

    /// One more element of a sequence or map.
    fn count<E: de::Error>(&self) -> Result<(), E> {
        self.count_many(1)
    }

    /// `n` more elements of a sequence or map.
    fn count_many<E: de::Error>(&self, n: u64) -> Result<(), E> {
        let elements = self.elements.get().saturating_add(n);
        if elements > self.payload_len.saturating_add(self.max_zero_sized) {
            return Err(self.refuse(load::Error::TooManyElements {
                payload_len: self.payload_len,
                max_zero_sized: self.max_zero_sized,
            }));
        }
        self.elements.set(elements);
        Ok(())
    }
}

struct DepthGuard<'l>(&'l Cell<u32>);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// A deserializer that counts depth and elements on the way through.
pub(crate) struct Limited<'l, D> {
    pub(crate) inner: D,
    pub(crate) limits: &'l Limits,
}

/// A visitor, seed, sequence, map or enum access wrapped to keep counting.
struct Wrap<'l, X> {
    inner: X,
    limits: &'l Limits,
}

impl<'l, X> Wrap<'l, X> {
    fn new(inner: X, limits: &'l Limits) -> Self {
        Wrap { inner, limits }
    }
}

/// Methods whose visitor may nest: one level deeper, visitor wrapped.
macro_rules! nesting {
    ($($method:ident ( $($arg:ident : $ty:ty),* ))*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
                let _depth = self.limits.enter::<Self::Error>()?;
                self.inner.$method($($arg,)* Wrap::new(visitor, self.limits)).map_err(Kept::Inner)
            }
        )*
    };
}

/// Methods whose visitor gets a primitive and can't nest: no depth or
/// element to count, the visitor wrapped only to keep its messages (an
/// unknown trait-object tag, a zero for a `NonZeroU8`). This costs nothing
/// measurable: loading 1000 ints runs the same number of instructions.
macro_rules! primitive {
    ($($method:ident)*) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.inner.$method(Wrap::new(visitor, self.limits)).map_err(Kept::Inner)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Limited<'_, D> {
    type Error = Kept<D::Error>;

    primitive! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }

    nesting! {
        deserialize_any() deserialize_ignored_any() deserialize_option()
        deserialize_unit_struct(name: &'static str) deserialize_newtype_struct(name: &'static str)
        deserialize_seq() deserialize_tuple(len: usize) deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_map() deserialize_struct(name: &'static str, fields: &'static [&'static str])
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident ( $ty:ty ))*) => {
        $(
            #[inline]
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                let limits = self.limits;
                self.inner.$method::<Kept<E>>(v).map_err(|error| limits.back(error))
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    forward_visit! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64) visit_i128(i128)
        visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64) visit_u128(u128)
        visit_f32(f32) visit_f64(f64) visit_char(char) visit_str(&str) visit_borrowed_str(&'de str)
        visit_string(String) visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        let limits = self.limits;
        self.inner.visit_none::<Kept<E>>().map_err(|error| limits.back(error))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        let limits = self.limits;
        self.inner.visit_unit::<Kept<E>>().map_err(|error| limits.back(error))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let limits = self.limits;
        self.inner.visit_some(Limited { inner: deserializer, limits }).map_err(|error| limits.back(error))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let limits = self.limits;
        self.inner
            .visit_newtype_struct(Limited { inner: deserializer, limits })
            .map_err(|error| limits.back(error))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let limits = self.limits;
        let len = seq.size_hint();
        let seq = Elements::new(seq, len, limits).map_err(|error| limits.back(error))?;
        self.inner.visit_seq(seq).map_err(|error| limits.back(error))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let limits = self.limits;
        let len = map.size_hint();
        let map = Elements::new(map, len, limits).map_err(|error| limits.back(error))?;
        self.inner.visit_map(map).map_err(|error| limits.back(error))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let limits = self.limits;
        self.inner.visit_enum(Wrap::new(data, limits)).map_err(|error| limits.back(error))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let limits = self.limits;
        self.inner.deserialize(Limited { inner: deserializer, limits }).map_err(|error| limits.back(error))
    }
}

/// A sequence or map whose elements count against the budget: all at once
/// when its length is known up front (postcard always knows it), else one by
/// one.
struct Elements<'l, A> {
    inner: A,
    limits: &'l Limits,
    counted: bool,
}

impl<'l, A> Elements<'l, A> {
    /// `len`: the length the sequence or map announces, if any.
    fn new<E: de::Error>(inner: A, len: Option<usize>, limits: &'l Limits) -> Result<Self, Kept<E>> {
        let counted = match len {
            Some(len) => {
                limits.count_many::<Kept<E>>(len as u64)?;
                true
            }
            None => false,
        };
        Ok(Elements { inner, limits, counted })
    }

    fn count<E: de::Error>(&self) -> Result<(), E> {
        if self.counted { Ok(()) } else { self.limits.count::<E>() }
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<'_, A> {
    type Error = Kept<A::Error>;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.count::<Self::Error>()?;
        self.inner.next_element_seed(Wrap::new(seed, self.limits)).map_err(Kept::Inner)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Elements<'_, A> {
    type Error = Kept<A::Error>;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        self.count::<Self::Error>()?;
        self.inner.next_key_seed(Wrap::new(seed, self.limits)).map_err(Kept::Inner)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        self.inner.next_value_seed(Wrap::new(seed, self.limits)).map_err(Kept::Inner)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, 'l, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<'l, A> {
    type Error = Kept<A::Error>;
    type Variant = Wrap<'l, A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Self::Error> {
        let limits = self.limits;
        let (value, variant) = self.inner.variant_seed(Wrap::new(seed, limits)).map_err(Kept::Inner)?;
        Ok((value, Wrap::new(variant, limits)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<'_, A> {
    type Error = Kept<A::Error>;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.inner.unit_variant().map_err(Kept::Inner)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Self::Error> {
        self.inner.newtype_variant_seed(Wrap::new(seed, self.limits)).map_err(Kept::Inner)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        self.inner.tuple_variant(len, Wrap::new(visitor, self.limits)).map_err(Kept::Inner)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.struct_variant(fields, Wrap::new(visitor, self.limits)).map_err(Kept::Inner)
    }
}
