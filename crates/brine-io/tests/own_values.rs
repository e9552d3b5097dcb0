//! Every value a type writes loads back as itself, and its bytes never
//! depend on what the thread dumped before: values made to stress the
//! shape table's shortcuts (settled records, replays, tapes, repeated
//! elements) and its corners (two types of one serde name, a generic
//! newtype with two parameters, hand-written impls that announce another
//! length or a variant index of `u32::MAX`). A hostile review found each
//! case named after a defect refused or misread before it was fixed.

#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

fn rt<T: Serialize + for<'de> Deserialize<'de> + PartialEq + Debug>(v: &T) {
    let pc = postcard::to_allocvec(v).unwrap();
    assert_eq!(&postcard::from_bytes::<T>(&pc).unwrap(), v, "postcard itself");
    let b = brine_io::dump(v).unwrap();
    match brine_io::load::<T>(&b) {
        Ok(back) => assert_eq!(&back, v, "wrong value"),
        Err(e) => panic!("refused: {e:?}"),
    }
}

fn fresh<T: Serialize + Send + Sync + Clone + 'static>(v: &T) -> Vec<u8> {
    let v = v.clone();
    std::thread::spawn(move || brine_io::dump(&v).unwrap()).join().unwrap()
}

mod a {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct N(pub u32);
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct T(pub u32, pub u32);
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum E {
        V(u32),
        W(u32, u32),
        U,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct U;
}
mod b {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct N(pub String);
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct T(pub String, pub u8);
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum E {
        V(String),
        W(String, u8),
        U,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct U;
}

#[test]
fn newtype_same_name() {
    rt(&(a::N(1), b::N("x".into())));
}
#[test]
fn newtype_same_name_rev() {
    rt(&(b::N("x".into()), a::N(1)));
}
#[test]
fn tuple_struct_same_name() {
    rt(&(a::T(1, 2), b::T("x".into(), 3)));
}
#[test]
fn newtype_variant_same_name() {
    rt(&(a::E::V(1), b::E::V("x".into())));
}
#[test]
fn tuple_variant_same_name() {
    rt(&(a::E::W(1, 2), b::E::W("x".into(), 3)));
}
#[test]
fn vec_newtype_same_name() {
    rt(&(vec![a::N(1), a::N(2)], vec![b::N("x".into())]));
}

// ---------- random values: round trip and bytes independent of history ----------
use std::collections::BTreeMap;

struct Rng(u64);
impl Rng {
    fn n(&mut self, m: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % m
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct P {
    x: u8,
    y: i32,
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Q {
    s: String,
    o: Option<u16>,
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct W<T>(T);
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct W2<T>(T, u8);
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Unit;
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub enum R {
    A,
    B(u8),
    C { x: i32, y: Option<String> },
    D(Vec<R>),
    F(Box<Node>),
    G(P),
    H(Q, u8),
    I(W2<u32>),
    J(W2<String>),
    K(Option<P>),
    L(BTreeMap<u8, R>),
    M((u8, Option<P>)),
    N(Unit),
    O { p: P },
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Node {
    v: Vec<R>,
    next: Option<Box<Node>>,
    p: Option<P>,
    q: Vec<Q>,
}

fn gen_p(r: &mut Rng) -> P {
    P { x: r.n(256) as u8, y: r.n(1000) as i32 - 500 }
}
fn gen_q(r: &mut Rng) -> Q {
    Q { s: "s".repeat(r.n(3) as usize), o: if r.n(2) == 0 { None } else { Some(r.n(9) as u16) } }
}
fn gen_r(r: &mut Rng, d: u32) -> R {
    let k = if d == 0 { r.n(3) } else { r.n(15) };
    match k {
        0 => R::A,
        1 => R::B(r.n(3) as u8),
        2 => R::C { x: r.n(5) as i32, y: if r.n(2) == 0 { None } else { Some("y".into()) } },
        3 => R::D((0..r.n(4)).map(|_| gen_r(r, d - 1)).collect()),
        4 => R::F(Box::new(gen_node(r, d - 1))),
        5 => R::G(gen_p(r)),
        6 => R::H(gen_q(r), 1),
        7 => R::I(W2(r.n(3) as u32, 0)),
        8 => R::J(W2("j".into(), 1)),
        9 => R::K(if r.n(2) == 0 { None } else { Some(gen_p(r)) }),
        10 => R::L((0..r.n(3)).map(|i| (i as u8, gen_r(r, d - 1))).collect()),
        11 => R::M((2, if r.n(2) == 0 { None } else { Some(gen_p(r)) })),
        12 => R::N(Unit),
        13 => R::O { p: gen_p(r) },
        _ => R::A,
    }
}
fn gen_node(r: &mut Rng, d: u32) -> Node {
    Node {
        v: (0..r.n(5)).map(|_| gen_r(r, d)).collect(),
        next: if d > 0 && r.n(3) == 0 { Some(Box::new(gen_node(r, d - 1))) } else { None },
        p: if r.n(2) == 0 { None } else { Some(gen_p(r)) },
        q: (0..r.n(3)).map(|_| gen_q(r)).collect(),
    }
}

fn det_check<T: Serialize + for<'de> Deserialize<'de> + PartialEq + Debug + Clone + Send + Sync + 'static>(
    vals: &[T],
) {
    let fresh_bytes: Vec<Vec<u8>> = vals.iter().map(fresh).collect();
    for (i, v) in vals.iter().enumerate() {
        let b = brine_io::dump(v).unwrap();
        if b != fresh_bytes[i] {
            panic!("bytes depend on history at #{i}: {v:?}\nprevious: {:?}", vals.get(i.wrapping_sub(1)));
        }
        match brine_io::load::<T>(&b) {
            Ok(back) => assert_eq!(&back, v, "wrong value #{i}"),
            Err(e) => panic!("refused #{i}: {e:?} {v:?}"),
        }
    }
}

#[test]
fn random_nodes() {
    for seed in 0..40u64 {
        let mut r = Rng(seed);
        let vals: Vec<Node> = (0..60).map(|_| gen_node(&mut r, 3)).collect();
        det_check(&vals);
    }
}
#[test]
fn random_vec_r() {
    for seed in 0..40u64 {
        let mut r = Rng(seed + 1000);
        let vals: Vec<Vec<R>> = (0..60).map(|_| (0..r.n(80)).map(|_| gen_r(&mut r, 2)).collect()).collect();
        det_check(&vals);
    }
}
#[test]
fn random_r_shallow() {
    for seed in 0..40u64 {
        let mut r = Rng(seed + 5000);
        let vals: Vec<R> = (0..100).map(|_| gen_r(&mut r, 1)).collect();
        det_check(&vals);
    }
}

// ---------- (b) bytes read as a sequence of another element ----------
mod blob_a {
    use super::*;
    #[derive(Debug, PartialEq, Clone)]
    pub struct Blob(pub Vec<u8>);
    impl Serialize for Blob {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }
    #[derive(Serialize, Debug, PartialEq, Clone)]
    pub struct Doc {
        pub data: Blob,
    }
}
mod blob_b {
    use super::*;
    #[derive(Deserialize, Debug, PartialEq, Clone)]
    pub struct Doc {
        pub data: Vec<i16>,
    }
}
#[test]
fn bytes_read_as_a_sequence_of_another_type_are_an_error() {
    let bytes = brine_io::dump(&blob_a::Doc { data: blob_a::Blob(vec![1, 2, 3]) }).unwrap();
    let got = brine_io::Options::new().check_type(false).load::<blob_b::Doc>(&bytes);
    match got {
        Err(brine_io::load::Error::ShapeChanged { place, expected, found, .. }) => {
            assert_eq!(
                (place.as_str(), expected.as_str(), found.as_str()),
                ("an element of bytes", "i16", "u8")
            );
        }
        other => panic!("expected ShapeChanged, got {other:?}"),
    }
}

// ---------- (b) a struct announced longer than it writes ----------
mod long_a {
    use super::*;
    #[derive(Deserialize, Debug, PartialEq, Clone)]
    pub struct S {
        pub a: u32,
        pub b: u32,
    }
    impl Serialize for S {
        fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
            use serde::ser::SerializeStruct;
            let mut st = s.serialize_struct("S", 3)?; // announces one more than it writes
            st.serialize_field("a", &self.a)?;
            st.serialize_field("b", &self.b)?;
            st.end()
        }
    }
}
mod long_b {
    use super::*;
    #[derive(Deserialize, Debug, PartialEq, Clone)]
    pub struct S {
        pub b: u32,
        pub a: u32,
    }
}
#[test]
fn a_struct_announced_longer_than_it_writes_has_its_names_checked() {
    let bytes = brine_io::dump(&long_a::S { a: 1, b: 2 }).unwrap();
    let got = brine_io::Options::new().check_type(false).load::<long_b::S>(&bytes);
    assert!(matches!(got, Err(brine_io::load::Error::ShapeChanged { .. })), "{got:?}");
    // and the struct as it was written loads back
    assert_eq!(brine_io::load::<long_a::S>(&bytes).unwrap(), long_a::S { a: 1, b: 2 });
}

// ---------- value-dependent primitives, history ----------
#[derive(Debug, PartialEq, Clone)]
pub enum Tagged {
    Number(i64),
    Text(String),
}
impl Serialize for Tagged {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut t = serializer.serialize_struct("Tagged", 2)?;
        match self {
            Tagged::Number(n) => {
                t.serialize_field("tag", &0u8)?;
                t.serialize_field("data", n)?;
            }
            Tagged::Text(x) => {
                t.serialize_field("tag", &1u8)?;
                t.serialize_field("data", x)?;
            }
        }
        t.end()
    }
}
impl<'de> Deserialize<'de> for Tagged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct F;
        impl<'de> serde::de::Visitor<'de> for F {
            type Value = Tagged;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("t")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Tagged, A::Error> {
                let tag: u8 = seq.next_element()?.unwrap();
                Ok(if tag == 0 {
                    Tagged::Number(seq.next_element()?.unwrap())
                } else {
                    Tagged::Text(seq.next_element()?.unwrap())
                })
            }
        }
        d.deserialize_struct("Tagged", &["tag", "data"], F)
    }
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Holder {
    t: Vec<Tagged>,
    o: Option<Tagged>,
    m: BTreeMap<u8, Vec<Tagged>>,
    r: Vec<R>,
}

fn gen_t(r: &mut Rng) -> Tagged {
    if r.n(2) == 0 { Tagged::Number(r.n(100) as i64) } else { Tagged::Text("t".into()) }
}
#[test]
fn random_tagged() {
    for seed in 0..60u64 {
        let mut r = Rng(seed + 9000);
        let vals: Vec<Holder> = (0..40)
            .map(|_| Holder {
                t: (0..r.n(100)).map(|_| gen_t(&mut r)).collect(),
                o: if r.n(2) == 0 { None } else { Some(gen_t(&mut r)) },
                m: (0..r.n(4)).map(|i| (i as u8, (0..r.n(5)).map(|_| gen_t(&mut r)).collect())).collect(),
                r: (0..r.n(30)).map(|_| gen_r(&mut r, 1)).collect(),
            })
            .collect();
        det_check(&vals);
        // also interleaved with other types on this thread
        for v in &vals {
            let _ = brine_io::dump(&vec![gen_r(&mut r, 2)]).unwrap();
            let _ = brine_io::dump(&gen_node(&mut r, 2)).unwrap();
            assert_eq!(brine_io::dump(v).unwrap(), fresh(v));
        }
    }
}

#[test]
fn memo_two_types_same_bytes() {
    let bytes = brine_io::dump(&vec![first::Pt { x: 1 }, first::Pt { x: 2 }]).unwrap();
    let opts = brine_io::Options::new().check_type(false);
    assert!(opts.load::<Vec<first::Pt>>(&bytes).is_ok());
    let b = opts.load::<Vec<second::Pt>>(&bytes);
    assert!(b.is_err(), "{b:?}");
    assert!(opts.load::<Vec<first::Pt>>(&bytes).is_ok());
    let b = opts.load::<Vec<second::Pt>>(&bytes);
    assert!(b.is_err(), "{b:?}");
}
mod first {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Pt {
        pub x: u32,
    }
}
mod second {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Pt {
        pub y: u32,
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Wrap<T>(T);
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub enum Two {
    I(Wrap<u32>),
    S(Wrap<String>),
}
#[test]
fn generic_newtype_two_params_one_type() {
    rt(&vec![Two::I(Wrap(1)), Two::S(Wrap("s".into()))]);
}
#[test]
fn generic_newtype_two_params_tuple() {
    rt(&(Wrap(1u32), Wrap(String::from("s"))));
}

mod pa {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct P {
        pub x: u32,
    }
}
mod pb {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct P {
        pub x: u32,
        pub y: String,
    }
}
mod pc {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct P {
        pub z: String,
    }
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub enum Either {
    A(pa::P),
    B(pb::P),
    C(pc::P),
    D { p: pa::P },
    E(Option<pb::P>),
    F(Wrap<u8>),
    G(Wrap<String>),
    H(Vec<Either>),
}
fn gen_e(r: &mut Rng, d: u32) -> Either {
    match r.n(if d == 0 { 7 } else { 8 }) {
        0 => Either::A(pa::P { x: r.n(3) as u32 }),
        1 => Either::B(pb::P { x: 1, y: "y".into() }),
        2 => Either::C(pc::P { z: "z".into() }),
        3 => Either::D { p: pa::P { x: 9 } },
        4 => Either::E(if r.n(2) == 0 { None } else { Some(pb::P { x: 2, y: String::new() }) }),
        5 => Either::F(Wrap(3)),
        6 => Either::G(Wrap("g".into())),
        _ => Either::H((0..r.n(4)).map(|_| gen_e(r, d - 1)).collect()),
    }
}
#[test]
fn random_same_names_bytes_only() {
    for seed in 0..200u64 {
        let mut r = Rng(seed + 77);
        let vals: Vec<Vec<Either>> = (0..30)
            .map(|_| (0..r.n(if seed % 2 == 0 { 5 } else { 90 })).map(|_| gen_e(&mut r, 2)).collect())
            .collect();
        for (i, v) in vals.iter().enumerate() {
            let b = brine_io::dump(v).unwrap();
            assert_eq!(b, fresh(v), "seed {seed} #{i}: {v:?}");
        }
    }
}
#[test]
fn random_same_names_no_wrap_roundtrip() {
    for seed in 0..200u64 {
        let mut r = Rng(seed + 770);
        let vals: Vec<Vec<Either>> = (0..30)
            .map(|_| {
                (0..r.n(if seed % 2 == 0 { 5 } else { 90 }))
                    .map(|_| gen_e(&mut r, 2))
                    .filter(|e| !matches!(e, Either::F(_) | Either::G(_) | Either::H(_)))
                    .collect()
            })
            .collect();
        for (i, v) in vals.iter().enumerate() {
            let b = brine_io::dump(v).unwrap();
            match brine_io::load::<Vec<Either>>(&b) {
                Ok(back) => assert_eq!(&back, v),
                Err(e) => panic!("seed {seed} #{i} refused {e:?}: {v:?}"),
            }
        }
    }
}

/// An enum whose one variant has index u32::MAX (recorded nowhere, not even the enum's event)
#[derive(Debug, PartialEq, Clone)]
pub struct Max;
impl Serialize for Max {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit_variant("Max", u32::MAX, "Max")
    }
}
impl<'de> Deserialize<'de> for Max {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Max;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("Max")
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, a: A) -> Result<Max, A::Error> {
                use serde::de::VariantAccess;
                let (i, v): (u32, _) = a.variant()?;
                assert_eq!(i, u32::MAX);
                v.unit_variant()?;
                Ok(Max)
            }
        }
        d.deserialize_enum("Max", &["Max"], V)
    }
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct G<T> {
    v: T,
}
#[test]
fn a_variant_index_of_u32_max_leaves_its_place_unchecked() {
    rt(&(G { v: Max }, G { v: 5u32 }));
}

/// A hand-written Serialize whose len hint is short (serde's derive reads no len).
#[derive(Deserialize, Debug, PartialEq, Clone)]
pub struct Short {
    a: u32,
    b: u32,
}
impl Serialize for Short {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Short", 1)?; // two fields follow
        st.serialize_field("a", &self.a)?;
        st.serialize_field("b", &self.b)?;
        st.end()
    }
}
#[test]
fn a_struct_announced_shorter_than_it_writes_loads_back() {
    rt(&Short { a: 1, b: 2 });
}

#[derive(Debug, PartialEq, Clone)]
pub struct Big(Vec<u16>);
impl Serialize for Big {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(self.0.len())?;
        for x in &self.0 {
            t.serialize_element(x)?;
        }
        t.end()
    }
}
impl<'de> Deserialize<'de> for Big {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Big;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("big")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Big, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Big(v))
            }
        }
        d.deserialize_tuple(300, V)
    }
}
#[test]
fn big_tuples_history() {
    let vals: Vec<Vec<Big>> = vec![
        vec![Big((0..300).collect())],
        vec![Big((0..300).collect()), Big((0..300).map(|x| x * 2).collect())],
        vec![],
        vec![Big((0..300).collect()); 5],
    ];
    det_check(&vals);
    for v in &vals {
        rt(v);
    }
}
