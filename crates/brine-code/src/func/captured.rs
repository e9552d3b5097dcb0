//! Captured values of a function compiled from its stored source: read from
//! the payload by their declared types, kept, written back, and handed to
//! the compiled library.
//!
//! Invariants:
//!
//! - A program that compiles a closure it does not have registered knows its
//!   captured values' types only as text (`factor: i64, names: Vec<String>`).
//!   That text is parsed into a [`Shape`]; only std types have one (numbers,
//!   `bool`, `char`, `String`, `()`, `Option`, `Vec`, `VecDeque`, `Box`,
//!   sets, maps, tuples, arrays). Any other type is refused, by name, before
//!   anything is compiled.
//! - The payload's values are read by their shape into a [`Value`], which
//!   serializes with exactly the serde calls of the original types, so a
//!   compiled `Func` dumps the same bytes as the one it was loaded from.
//! - The compiled library gets the values in one simple binary encoding
//!   ([`encode`]), which the decoder brine writes into every such library
//!   ([`DECODER`]) reads by the declared types: fixed-width little-endian
//!   numbers, `u64` lengths, `0`/`1` before an `Option`'s value, elements in
//!   order. Host and library run on the same machine (same compiler, same
//!   target), so byte order and `usize`'s width agree.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeTuple};
use serde::{Deserializer, Serialize, Serializer};

/// The shape of a captured value's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Unit,
    Bool,
    Char,
    Int(Int),
    F32,
    F64,
    String,
    Option(Box<Shape>),
    /// `Vec`, `VecDeque`, `HashSet`, `BTreeSet`.
    Seq(Box<Shape>),
    Map(Box<Shape>, Box<Shape>),
    Tuple(Vec<Shape>),
    Array(Box<Shape>, usize),
    /// `Box<T>`: `T` on the wire.
    Boxed(Box<Shape>),
}

/// The integer types, each with its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Int {
    I8,
    I16,
    I32,
    I64,
    I128,
    Isize,
    U8,
    U16,
    U32,
    U64,
    U128,
    Usize,
}

const INTS: [(&str, Int); 12] = [
    ("i8", Int::I8),
    ("i16", Int::I16),
    ("i32", Int::I32),
    ("i64", Int::I64),
    ("i128", Int::I128),
    ("isize", Int::Isize),
    ("u8", Int::U8),
    ("u16", Int::U16),
    ("u32", Int::U32),
    ("u64", Int::U64),
    ("u128", Int::U128),
    ("usize", Int::Usize),
];

/// The std types a captured value may have, for the error message.
pub(crate) const SUPPORTED: &str = "numbers, bool, char, String, (), Option, Vec, VecDeque, Box, HashSet, \
                                    BTreeSet, HashMap, BTreeMap, tuples and arrays of them";

/// The capture list as declared (`a: i64, b: Vec<String>`): the names, and
/// the shape of the tuple of their types. `Err` names the first capture
/// whose type is not a std type brine can carry.
pub(crate) fn parse_declared(declared: &str) -> Result<(Vec<String>, Vec<String>, Shape), String> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut shapes = Vec::new();
    if declared.trim().is_empty() {
        return Ok((names, types, Shape::Unit));
    }
    let parser = syn::punctuated::Punctuated::<Declared, syn::Token![,]>::parse_terminated;
    let list = syn::parse::Parser::parse_str(parser, declared)
        .map_err(|error| format!("its capture list `{declared}` does not parse: {error}"))?;
    for Declared { name, ty } in list {
        let text = quote::ToTokens::to_token_stream(&ty).to_string();
        let shape = shape(&ty).ok_or_else(|| {
            format!(
                "its captured value `{name}` has the type `{text}`, which is not a std type a program \
                 that compiles the function can rebuild (expected {SUPPORTED})"
            )
        })?;
        names.push(name.to_string());
        types.push(text);
        shapes.push(shape);
    }
    Ok((names, types, Shape::Tuple(shapes)))
}

struct Declared {
    name: syn::Ident,
    ty: syn::Type,
}

impl syn::parse::Parse for Declared {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<syn::Token![:]>()?;
        Ok(Declared { name, ty: input.parse()? })
    }
}

/// The shape of a type, when it is one brine can carry.
pub(crate) fn shape(ty: &syn::Type) -> Option<Shape> {
    match ty {
        syn::Type::Paren(inner) => shape(&inner.elem),
        syn::Type::Group(inner) => shape(&inner.elem),
        syn::Type::Tuple(tuple) if tuple.elems.is_empty() => Some(Shape::Unit),
        syn::Type::Tuple(tuple) => tuple.elems.iter().map(shape).collect::<Option<_>>().map(Shape::Tuple),
        syn::Type::Array(array) => {
            let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(len), .. }) = &array.len else {
                return None;
            };
            Some(Shape::Array(Box::new(shape(&array.elem)?), len.base10_parse().ok()?))
        }
        syn::Type::Path(path) if path.qself.is_none() => path_shape(&path.path),
        _ => None,
    }
}

fn path_shape(path: &syn::Path) -> Option<Shape> {
    let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
    let (last, prefix) = segments.split_last()?;
    // `std::collections::HashMap` and `HashMap` alike; another crate's path is not std
    let std_prefix =
        prefix.first().is_none_or(|first| ["std", "core", "alloc"].contains(&&*first.ident.to_string()));
    if !std_prefix {
        return None;
    }
    let args: Vec<&syn::Type> = match &last.arguments {
        syn::PathArguments::None => Vec::new(),
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect::<Option<_>>()?,
        syn::PathArguments::Parenthesized(_) => return None,
    };
    let name = last.ident.to_string();
    let one = |make: fn(Box<Shape>) -> Shape| match args.as_slice() {
        [inner] => Some(make(Box::new(shape(inner)?))),
        _ => None,
    };
    match (name.as_str(), args.len()) {
        ("bool", 0) => Some(Shape::Bool),
        ("char", 0) => Some(Shape::Char),
        ("f32", 0) => Some(Shape::F32),
        ("f64", 0) => Some(Shape::F64),
        ("String", 0) => Some(Shape::String),
        ("Option", _) => one(Shape::Option),
        ("Vec" | "VecDeque" | "HashSet" | "BTreeSet", _) => one(Shape::Seq),
        ("Box", _) => one(Shape::Boxed),
        ("HashMap" | "BTreeMap", 2) => Some(Shape::Map(Box::new(shape(args[0])?), Box::new(shape(args[1])?))),
        (name, 0) => INTS.iter().find(|(int, _)| *int == name).map(|(_, int)| Shape::Int(*int)),
        _ => None,
    }
}

/// A captured value, read by its shape.
#[derive(Clone, PartialEq)]
pub(crate) enum Value {
    Unit,
    Bool(bool),
    Char(char),
    /// An integer of the given type (its value fits it).
    Int(Int, i128),
    /// A `u128` above `i128::MAX`.
    BigU128(u128),
    F32(f32),
    F64(f64),
    String(String),
    Option(Option<Box<Value>>),
    Seq(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Tuple(Vec<Value>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unit => f.write_str("()"),
            Value::Bool(v) => v.fmt(f),
            Value::Char(v) => v.fmt(f),
            Value::Int(_, v) => v.fmt(f),
            Value::BigU128(v) => v.fmt(f),
            Value::F32(v) => v.fmt(f),
            Value::F64(v) => v.fmt(f),
            Value::String(v) => v.fmt(f),
            Value::Option(v) => v.fmt(f),
            Value::Seq(items) => f.debug_list().entries(items).finish(),
            Value::Map(entries) => f.debug_map().entries(entries.iter().map(|(k, v)| (k, v))).finish(),
            Value::Tuple(items) => {
                let mut tuple = f.debug_tuple("");
                for item in items {
                    tuple.field(item);
                }
                tuple.finish()
            }
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Unit => serializer.serialize_unit(),
            Value::Bool(v) => serializer.serialize_bool(*v),
            Value::Char(v) => serializer.serialize_char(*v),
            Value::Int(int, v) => serialize_int(*int, *v, serializer),
            Value::BigU128(v) => serializer.serialize_u128(*v),
            Value::F32(v) => serializer.serialize_f32(*v),
            Value::F64(v) => serializer.serialize_f64(*v),
            Value::String(v) => serializer.serialize_str(v),
            Value::Option(None) => serializer.serialize_none(),
            Value::Option(Some(v)) => serializer.serialize_some(&**v),
            Value::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Value::Tuple(items) => {
                let mut tuple = serializer.serialize_tuple(items.len())?;
                for item in items {
                    tuple.serialize_element(item)?;
                }
                tuple.end()
            }
        }
    }
}

/// Serializes an integer as its own type (the value was checked to fit it).
fn serialize_int<S: Serializer>(int: Int, v: i128, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    let out_of_range = || S::Error::custom(format_args!("captured integer {v} does not fit {int:?}"));
    macro_rules! as_type {
        ($ty:ty, $method:ident) => {
            serializer.$method(<$ty>::try_from(v).map_err(|_| out_of_range())?)
        };
    }
    match int {
        Int::I8 => as_type!(i8, serialize_i8),
        Int::I16 => as_type!(i16, serialize_i16),
        Int::I32 => as_type!(i32, serialize_i32),
        Int::I64 | Int::Isize => as_type!(i64, serialize_i64),
        Int::I128 => serializer.serialize_i128(v),
        Int::U8 => as_type!(u8, serialize_u8),
        Int::U16 => as_type!(u16, serialize_u16),
        Int::U32 => as_type!(u32, serialize_u32),
        Int::U64 | Int::Usize => as_type!(u64, serialize_u64),
        Int::U128 => as_type!(u128, serialize_u128),
    }
}

/// Reads a value of `shape` from any deserializer.
pub(crate) struct ShapeSeed<'a>(pub(crate) &'a Shape);

impl<'de> DeserializeSeed<'de> for ShapeSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        let visitor = ShapeVisitor(self.0);
        match self.0 {
            Shape::Unit => deserializer.deserialize_unit(visitor),
            Shape::Bool => deserializer.deserialize_bool(visitor),
            Shape::Char => deserializer.deserialize_char(visitor),
            Shape::Int(int) => match int {
                Int::I8 => deserializer.deserialize_i8(visitor),
                Int::I16 => deserializer.deserialize_i16(visitor),
                Int::I32 => deserializer.deserialize_i32(visitor),
                Int::I64 | Int::Isize => deserializer.deserialize_i64(visitor),
                Int::I128 => deserializer.deserialize_i128(visitor),
                Int::U8 => deserializer.deserialize_u8(visitor),
                Int::U16 => deserializer.deserialize_u16(visitor),
                Int::U32 => deserializer.deserialize_u32(visitor),
                Int::U64 | Int::Usize => deserializer.deserialize_u64(visitor),
                Int::U128 => deserializer.deserialize_u128(visitor),
            },
            Shape::F32 => deserializer.deserialize_f32(visitor),
            Shape::F64 => deserializer.deserialize_f64(visitor),
            Shape::String => deserializer.deserialize_string(visitor),
            Shape::Option(_) => deserializer.deserialize_option(visitor),
            Shape::Seq(_) => deserializer.deserialize_seq(visitor),
            Shape::Map(..) => deserializer.deserialize_map(visitor),
            Shape::Tuple(items) => deserializer.deserialize_tuple(items.len(), visitor),
            Shape::Array(_, len) => deserializer.deserialize_tuple(*len, visitor),
            Shape::Boxed(inner) => ShapeSeed(inner).deserialize(deserializer),
        }
    }
}

struct ShapeVisitor<'a>(&'a Shape);

impl ShapeVisitor<'_> {
    fn int<E: de::Error>(&self, v: i128) -> Result<Value, E> {
        let fits = |int: Int| match int {
            Int::I8 => i8::try_from(v).is_ok(),
            Int::I16 => i16::try_from(v).is_ok(),
            Int::I32 => i32::try_from(v).is_ok(),
            Int::I64 => i64::try_from(v).is_ok(),
            Int::Isize => isize::try_from(v).is_ok(),
            Int::I128 => true,
            Int::U8 => u8::try_from(v).is_ok(),
            Int::U16 => u16::try_from(v).is_ok(),
            Int::U32 => u32::try_from(v).is_ok(),
            Int::U64 => u64::try_from(v).is_ok(),
            Int::Usize => usize::try_from(v).is_ok(),
            Int::U128 => v >= 0,
        };
        match self.0 {
            Shape::Int(int) if fits(*int) => Ok(Value::Int(*int, v)),
            // a float may be written without a fraction (`2` in JSON)
            #[allow(clippy::cast_precision_loss)]
            Shape::F64 => Ok(Value::F64(v as f64)),
            #[allow(clippy::cast_precision_loss)]
            Shape::F32 => Ok(Value::F32(v as f32)),
            _ => Err(de::Error::invalid_value(de::Unexpected::Other(&format!("the integer {v}")), self)),
        }
    }
}

impl<'de> Visitor<'de> for ShapeVisitor<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a captured value of shape {:?}", self.0)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        match self.0 {
            Shape::Unit => Ok(Value::Unit),
            Shape::Option(_) => Ok(Value::Option(None)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Unit, &self)),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        match self.0 {
            Shape::Bool => Ok(Value::Bool(v)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Bool(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.int(i128::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.int(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.int(i128::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match i128::try_from(v) {
            Ok(v) => self.int(v),
            Err(_) if *self.0 == Shape::Int(Int::U128) => Ok(Value::BigU128(v)),
            Err(_) => Err(de::Error::invalid_value(de::Unexpected::Other("a u128 integer"), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        match self.0 {
            Shape::F64 => Ok(Value::F64(v)),
            #[allow(clippy::cast_possible_truncation)]
            Shape::F32 => Ok(Value::F32(v as f32)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Float(v), &self)),
        }
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<Value, E> {
        match self.0 {
            Shape::F32 => Ok(Value::F32(v)),
            Shape::F64 => Ok(Value::F64(f64::from(v))),
            _ => Err(de::Error::invalid_type(de::Unexpected::Float(f64::from(v)), &self)),
        }
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<Value, E> {
        match self.0 {
            Shape::Char => Ok(Value::Char(v)),
            Shape::String => Ok(Value::String(v.to_string())),
            _ => Err(de::Error::invalid_type(de::Unexpected::Char(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        let mut chars = v.chars();
        match (self.0, chars.next(), chars.next()) {
            (Shape::String, ..) => Ok(Value::String(v.to_owned())),
            (Shape::Char, Some(c), None) => Ok(Value::Char(c)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self.0 {
            Shape::Option(inner) => {
                Ok(Value::Option(Some(Box::new(ShapeSeed(inner).deserialize(deserializer)?))))
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Option, &self)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        match self.0 {
            Shape::Seq(inner) => {
                while let Some(item) = seq.next_element_seed(ShapeSeed(inner))? {
                    items.push(item);
                }
                Ok(Value::Seq(items))
            }
            Shape::Tuple(shapes) => {
                for (index, shape) in shapes.iter().enumerate() {
                    let item = seq.next_element_seed(ShapeSeed(shape))?;
                    items.push(item.ok_or_else(|| de::Error::invalid_length(index, &self))?);
                }
                Ok(Value::Tuple(items))
            }
            Shape::Array(inner, len) => {
                for index in 0..*len {
                    let item = seq.next_element_seed(ShapeSeed(inner))?;
                    items.push(item.ok_or_else(|| de::Error::invalid_length(index, &self))?);
                }
                Ok(Value::Tuple(items))
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Seq, &self)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Shape::Map(key, value) = self.0 else {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        };
        let mut entries = Vec::new();
        while let Some(k) = map.next_key_seed(ShapeSeed(key))? {
            entries.push((k, map.next_value_seed(ShapeSeed(value))?));
        }
        Ok(Value::Map(entries))
    }
}

/// The values in the encoding the library's decoder reads (see the module
/// docs).
pub(crate) fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Unit => {}
        Value::Bool(v) => out.push(u8::from(*v)),
        Value::Char(v) => out.extend_from_slice(&u32::from(*v).to_le_bytes()),
        Value::Int(int, v) => encode_int(*int, *v, out),
        Value::BigU128(v) => out.extend_from_slice(&v.to_le_bytes()),
        Value::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
        Value::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
        Value::String(v) => {
            encode_len(v.len(), out);
            out.extend_from_slice(v.as_bytes());
        }
        Value::Option(None) => out.push(0),
        Value::Option(Some(v)) => {
            out.push(1);
            encode(v, out);
        }
        Value::Seq(items) => {
            encode_len(items.len(), out);
            items.iter().for_each(|item| encode(item, out));
        }
        Value::Map(entries) => {
            encode_len(entries.len(), out);
            for (key, value) in entries {
                encode(key, out);
                encode(value, out);
            }
        }
        Value::Tuple(items) => items.iter().for_each(|item| encode(item, out)),
    }
}

fn encode_len(len: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&(len as u64).to_le_bytes());
}

/// Each integer in its type's width (it was checked to fit when read).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn encode_int(int: Int, v: i128, out: &mut Vec<u8>) {
    match int {
        Int::I8 | Int::U8 => out.push(v as u8),
        Int::I16 | Int::U16 => out.extend_from_slice(&(v as u16).to_le_bytes()),
        Int::I32 | Int::U32 => out.extend_from_slice(&(v as u32).to_le_bytes()),
        Int::I64 | Int::U64 => out.extend_from_slice(&(v as u64).to_le_bytes()),
        Int::Isize | Int::Usize => out.extend_from_slice(&(v as usize).to_le_bytes()),
        Int::I128 | Int::U128 => out.extend_from_slice(&(v as u128).to_le_bytes()),
    }
}

/// The decoder written into every library compiled from a stored closure:
/// reads the values [`encode`] wrote, by their declared types.
pub(crate) const DECODER: &str = r#"
#[doc(hidden)]
#[allow(dead_code, clippy::all)]
mod __brine_decode {
    use ::std::collections::*;
    use ::std::string::String;
    use ::std::boxed::Box;
    use ::std::vec::Vec;
    use ::core::result::Result::{self, Err, Ok};

    pub struct Reader<'a>(pub &'a [u8]);

    impl<'a> Reader<'a> {
        pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            if self.0.len() < n {
                return Err("the captured values end early".into());
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Ok(head)
        }
        fn len(&mut self) -> Result<usize, String> {
            let n = <u64 as Decode>::decode(self)?;
            usize::try_from(n).map_err(|_| String::from("a captured length does not fit usize"))
        }
        pub fn finish(&self) -> Result<(), String> {
            if self.0.is_empty() { Ok(()) } else { Err("bytes left after the captured values".into()) }
        }
    }

    pub trait Decode: Sized {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String>;
    }

    macro_rules! numbers {
        ($($t:ty),*) => {$(
            impl Decode for $t {
                fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
                    let bytes = r.take(::core::mem::size_of::<$t>())?;
                    let array = bytes.try_into().map_err(|_| String::from("a captured number is cut"))?;
                    Ok(<$t>::from_le_bytes(array))
                }
            }
        )*};
    }
    numbers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

    impl Decode for () {
        fn decode(_: &mut Reader<'_>) -> Result<Self, String> { Ok(()) }
    }
    impl Decode for bool {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
            match r.take(1)?[0] { 0 => Ok(false), 1 => Ok(true), _ => Err("a captured bool is not 0 or 1".into()) }
        }
    }
    impl Decode for char {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
            char::from_u32(<u32 as Decode>::decode(r)?).ok_or_else(|| String::from("a captured char is not one"))
        }
    }
    impl Decode for String {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
            let len = r.len()?;
            String::from_utf8(r.take(len)?.to_vec()).map_err(|_| String::from("a captured String is not UTF-8"))
        }
    }
    impl<T: Decode> Decode for Option<T> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
            match r.take(1)?[0] { 0 => Ok(None), 1 => Ok(Some(T::decode(r)?)), _ => Err("a captured Option's tag is not 0 or 1".into()) }
        }
    }
    impl<T: Decode> Decode for Box<T> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { Ok(Box::new(T::decode(r)?)) }
    }
    fn items<T: Decode, C: ::core::iter::FromIterator<T>>(r: &mut Reader<'_>) -> Result<C, String> {
        let len = r.len()?;
        (0..len).map(|_| T::decode(r)).collect()
    }
    impl<T: Decode> Decode for Vec<T> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { items(r) }
    }
    impl<T: Decode> Decode for VecDeque<T> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { items(r) }
    }
    impl<T: Decode + ::core::cmp::Eq + ::core::hash::Hash> Decode for HashSet<T> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { items(r) }
    }
    impl<T: Decode + ::core::cmp::Ord> Decode for BTreeSet<T> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { items(r) }
    }
    impl<K: Decode + ::core::cmp::Eq + ::core::hash::Hash, V: Decode> Decode for HashMap<K, V> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { items::<(K, V), _>(r) }
    }
    impl<K: Decode + ::core::cmp::Ord, V: Decode> Decode for BTreeMap<K, V> {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> { items::<(K, V), _>(r) }
    }
    impl<T: Decode, const N: usize> Decode for [T; N] {
        fn decode(r: &mut Reader<'_>) -> Result<Self, String> {
            let items: Vec<T> = (0..N).map(|_| T::decode(r)).collect::<Result<_, _>>()?;
            items.try_into().map_err(|_| String::from("a captured array has another length"))
        }
    }
    macro_rules! tuples {
        ($(($($t:ident),+))*) => {$(
            impl<$($t: Decode),+> Decode for ($($t,)+) {
                fn decode(r: &mut Reader<'_>) -> Result<Self, String> { Ok(($($t::decode(r)?,)+)) }
            }
        )*};
    }
    tuples!((A) (A, B) (A, B, C) (A, B, C, D) (A, B, C, D, E) (A, B, C, D, E, F) (A, B, C, D, E, F, G)
        (A, B, C, D, E, F, G, H) (A, B, C, D, E, F, G, H, I) (A, B, C, D, E, F, G, H, I, J)
        (A, B, C, D, E, F, G, H, I, J, K) (A, B, C, D, E, F, G, H, I, J, K, L));
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_types_have_a_shape_and_user_types_are_named() {
        let (names, _, shape) =
            parse_declared("a: i64, b: Vec<String>, c: std::collections::HashMap<u8, (bool, [f64; 2])>")
                .unwrap();
        assert_eq!(names, ["a", "b", "c"]);
        let Shape::Tuple(shapes) = shape else { panic!("{shape:?}") };
        assert_eq!(shapes[0], Shape::Int(Int::I64));
        assert_eq!(shapes[1], Shape::Seq(Box::new(Shape::String)));
        assert!(matches!(&shapes[2], Shape::Map(..)));
        let error = parse_declared("n: i64, p: Point").unwrap_err();
        assert!(
            error.starts_with("its captured value `p` has the type `Point`, which is not a std type"),
            "{error}"
        );
        assert!(parse_declared("p: mycrate::Vec<u8>").is_err());
        assert_eq!(parse_declared("").unwrap().2, Shape::Unit);
    }

    #[test]
    fn values_read_by_shape_serialize_as_the_original_types() {
        let original = (3_i64, vec!["a".to_owned()], Some('x'), [1.5_f64, 2.0]);
        let json = serde_json::to_string(&original).unwrap();
        let (_, _, shape) = parse_declared("a: i64, b: Vec<String>, c: Option<char>, d: [f64; 2]").unwrap();
        let value = ShapeSeed(&shape).deserialize(&mut serde_json::Deserializer::from_str(&json)).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), json);
        assert_eq!(format!("{value:?}"), r#"(3, ["a"], Some('x'), (1.5, 2.0))"#);
        let mut bytes = Vec::new();
        encode(&value, &mut bytes);
        // i64; Vec length, String length, "a"; Option tag, char; two f64
        assert_eq!(bytes.len(), 8 + (8 + 8 + 1) + (1 + 4) + 16);
    }

    #[test]
    fn an_integer_out_of_its_type_is_refused() {
        let shape = Shape::Int(Int::U8);
        let error =
            ShapeSeed(&shape).deserialize(&mut serde_json::Deserializer::from_str("300")).unwrap_err();
        assert!(error.to_string().contains("300"), "{error}");
    }
}
