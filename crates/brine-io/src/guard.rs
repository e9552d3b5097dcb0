//! A serializer that sits between the value and postcard's serializer.
//!
//! It forwards every call to postcard and refuses the serde features whose
//! postcard encoding would load back as a different value:
//!
//! - `SerializeStruct::skip_field`, which `#[serde(skip_serializing_if = ..)]`
//!   calls when it leaves a field out: postcard stores fields by position, so
//!   every later field would shift;
//! - maps and sequences of unknown length (`#[serde(flatten)]`, iterators
//!   without an exact size hint), which postcard cannot store.
//!
//! Postcard keeps no message for custom errors, so the guard keeps the first
//! one (ours, or the message a `Serialize` impl gave) in a side slot.

use std::cell::RefCell;
use std::fmt::{self, Display};

use serde::ser::{self, Serialize, Serializer};

use crate::dump;

/// Where the first detailed error of a dump is kept.
#[derive(Debug, Default)]
pub(crate) struct Side(RefCell<Option<dump::Error>>);

impl Side {
    fn keep(&self, error: dump::Error) {
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
    }

    pub(crate) fn take(&self) -> Option<dump::Error> {
        self.0.borrow_mut().take()
    }
}

/// Serializes `value` through postcard's serializer `ser`, guarded.
pub(crate) fn serialize<T, F>(value: &T, ser: &mut postcard::Serializer<F>) -> Result<(), dump::Error>
where
    T: Serialize + ?Sized,
    F: postcard::ser_flavors::Flavor,
{
    let side = Side::default();
    let result = value.serialize(Guard { inner: ser, side: &side });
    match result {
        Ok(()) => Ok(()),
        Err(error) => Err(side.take().unwrap_or_else(|| error.into_dump_error())),
    }
}

/// The guard's error: postcard's, or a message of our own or the value's.
#[derive(Debug)]
pub(crate) enum GuardError<E> {
    Inner(E),
    Custom(String),
}

impl<E: Display> Display for GuardError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardError::Inner(error) => error.fmt(f),
            GuardError::Custom(message) => f.write_str(message),
        }
    }
}

impl<E: std::error::Error> std::error::Error for GuardError<E> {}

impl<E: ser::Error> ser::Error for GuardError<E> {
    fn custom<M: Display>(message: M) -> Self {
        GuardError::Custom(message.to_string())
    }
}

impl<E: Display> GuardError<E> {
    fn into_dump_error(self) -> dump::Error {
        match self {
            GuardError::Custom(message) => dump::Error::Serialize { message },
            GuardError::Inner(error) => dump::Error::Serialize { message: error.to_string() },
        }
    }
}

fn unsupported(feature: String, remedy: &'static str) -> dump::Error {
    dump::Error::Unsupported { feature, remedy }
}

const SKIP_REMEDY: &str = "the format stores fields by position, so a left-out field would shift every \
    field after it; remove skip_serializing_if (#[serde(default)] alone is fine), or store the value \
    with brine::source";
const FLATTEN_REMEDY: &str = "the format needs every map's length up front; replace #[serde(flatten)] \
    with a plain nested field, or store the value with brine::source";
const SEQ_REMEDY: &str = "the format needs every sequence's length up front; collect the items into \
    a Vec first, or give the iterator an exact size_hint";

/// The guarded serializer.
struct Guard<'s, S> {
    inner: S,
    side: &'s Side,
}

/// A value that serializes itself through a guard around whatever serializer
/// it is given.
struct Wrap<'s, 'v, T: ?Sized> {
    value: &'v T,
    side: &'s Side,
}

impl<T: Serialize + ?Sized> Serialize for Wrap<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Guard { inner: serializer, side: self.side }).map_err(|error| match error {
            GuardError::Inner(error) => error,
            GuardError::Custom(message) => {
                self.side.keep(dump::Error::Serialize { message: message.clone() });
                ser::Error::custom(message)
            }
        })
    }
}

impl<'s, S> Guard<'s, S> {
    fn wrap<'v, T: ?Sized>(&self, value: &'v T) -> Wrap<'s, 'v, T> {
        Wrap { value, side: self.side }
    }

    fn refuse<E>(&self, error: dump::Error) -> GuardError<E> {
        let message = error.to_string();
        self.side.keep(error);
        GuardError::Custom(message)
    }
}

/// A compound serializer (struct, seq, map...) of the guard.
struct Compound<'s, C> {
    inner: C,
    side: &'s Side,
}

impl<'s, C> Compound<'s, C> {
    fn wrap<'v, T: ?Sized>(&self, value: &'v T) -> Wrap<'s, 'v, T> {
        Wrap { value, side: self.side }
    }
}

macro_rules! forward_primitives {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method(self, v: $ty) -> Result<Self::Ok, Self::Error> {
                self.inner.$method(v).map_err(GuardError::Inner)
            }
        )*
    };
}

impl<'s, S: Serializer> Serializer for Guard<'s, S> {
    type Ok = S::Ok;
    type Error = GuardError<S::Error>;
    type SerializeSeq = Compound<'s, S::SerializeSeq>;
    type SerializeTuple = Compound<'s, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'s, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'s, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'s, S::SerializeMap>;
    type SerializeStruct = Compound<'s, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'s, S::SerializeStructVariant>;

    forward_primitives! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_i128(i128), serialize_u8(u8), serialize_u16(u16),
        serialize_u32(u32), serialize_u64(u64), serialize_u128(u128), serialize_f32(f32),
        serialize_f64(f64), serialize_char(char), serialize_str(&str), serialize_bytes(&[u8]),
    }

    fn serialize_none(self) -> Result<S::Ok, Self::Error> {
        self.inner.serialize_none().map_err(GuardError::Inner)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, Self::Error> {
        let value = self.wrap(value);
        self.inner.serialize_some(&value).map_err(GuardError::Inner)
    }

    fn serialize_unit(self) -> Result<S::Ok, Self::Error> {
        self.inner.serialize_unit().map_err(GuardError::Inner)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, Self::Error> {
        self.inner.serialize_unit_struct(name).map_err(GuardError::Inner)
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, Self::Error> {
        self.inner.serialize_unit_variant(name, index, variant).map_err(GuardError::Inner)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, Self::Error> {
        let value = self.wrap(value);
        self.inner.serialize_newtype_struct(name, &value).map_err(GuardError::Inner)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, Self::Error> {
        let value = self.wrap(value);
        self.inner.serialize_newtype_variant(name, index, variant, &value).map_err(GuardError::Inner)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        if len.is_none() {
            return Err(self.refuse(unsupported(
                "a sequence of unknown length (a Serialize impl that calls serialize_seq(None), \
                 such as collect_seq over an iterator without an exact size_hint)"
                    .into(),
                SEQ_REMEDY,
            )));
        }
        let side = self.side;
        let inner = self.inner.serialize_seq(len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Self::Error> {
        let side = self.side;
        let inner = self.inner.serialize_tuple(len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        let side = self.side;
        let inner = self.inner.serialize_tuple_struct(name, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        let side = self.side;
        let inner =
            self.inner.serialize_tuple_variant(name, index, variant, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        if len.is_none() {
            return Err(self.refuse(unsupported(
                "a map of unknown length, which is what #[serde(flatten)] writes \
                 (or a Serialize impl that calls serialize_map(None))"
                    .into(),
                FLATTEN_REMEDY,
            )));
        }
        let side = self.side;
        let inner = self.inner.serialize_map(len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, Self::Error> {
        let side = self.side;
        let inner = self.inner.serialize_struct(name, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        let side = self.side;
        let inner =
            self.inner.serialize_struct_variant(name, index, variant, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side })
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<S::Ok, Self::Error> {
        self.inner.collect_str(value).map_err(GuardError::Inner)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! compound {
    ($trait:ident, $method:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = GuardError<C::Error>;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
                let value = self.wrap(value);
                self.inner.$method(&value).map_err(GuardError::Inner)
            }

            fn end(self) -> Result<C::Ok, Self::Error> {
                self.inner.end().map_err(GuardError::Inner)
            }
        }
    };
}

compound!(SerializeSeq, serialize_element);
compound!(SerializeTuple, serialize_element);
compound!(SerializeTupleStruct, serialize_field);
compound!(SerializeTupleVariant, serialize_field);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = GuardError<C::Error>;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Self::Error> {
        let key = self.wrap(key);
        self.inner.serialize_key(&key).map_err(GuardError::Inner)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        let value = self.wrap(value);
        self.inner.serialize_value(&value).map_err(GuardError::Inner)
    }

    fn end(self) -> Result<C::Ok, Self::Error> {
        self.inner.end().map_err(GuardError::Inner)
    }
}

macro_rules! compound_struct {
    ($trait:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = GuardError<C::Error>;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Self::Error> {
                let value = self.wrap(value);
                self.inner.serialize_field(key, &value).map_err(GuardError::Inner)
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
                let error = unsupported(
                    format!("#[serde(skip_serializing_if = ..)] leaving out field `{key}`"),
                    SKIP_REMEDY,
                );
                let message = error.to_string();
                self.side.keep(error);
                Err(GuardError::Custom(message))
            }

            fn end(self) -> Result<C::Ok, Self::Error> {
                self.inner.end().map_err(GuardError::Inner)
            }
        }
    };
}

compound_struct!(SerializeStruct);
compound_struct!(SerializeStructVariant);
