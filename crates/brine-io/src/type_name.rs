//! The stored type name: `std::any::type_name`, put in a canonical form.
//!
//! The canonical form keeps the type check useful while accepting the pairs of
//! types that serde encodes identically and that people swap all the time:
//!
//! - references are dropped: `&T` and `&mut T` are `T`;
//! - `str`, `String`, `Box<str>`, `Cow<str>` are `String`, and `[T]` is `Vec<T>`;
//! - the smart pointers `Box<T>`, `Rc<T>`, `Arc<T>` and `Cow<T>` are `T`;
//! - paths into the standard library (`alloc::`, `core::`, `std::`) keep only
//!   their last segment (`alloc::vec::Vec` is `Vec`), so that a move inside the
//!   standard library does not break files written by another compiler;
//! - every other path is kept whole, so `app::v1::Point` and `app::v2::Point`
//!   differ.
//!
//! A name the parser does not understand is kept as it is.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::RwLock;

/// The canonical name of `T`, as stored in an envelope and compared on load.
///
/// Names are computed once per type and kept for the life of the process (a
/// few bytes per type that is dumped or loaded), so the type check costs a
/// lookup, not a parse.
pub(crate) fn canonical<T: ?Sized>() -> &'static str {
    let raw = std::any::type_name::<T>();
    let key = (raw.as_ptr() as usize, raw.len());
    let (last, name) = LAST.with(Cell::get);
    if last == key {
        return name;
    }
    let name = shared(raw, key);
    LAST.with(|last| last.set((key, name)));
    name
}

thread_local! {
    /// The last name looked up on this thread: a dump or load of many values
    /// of one type takes no lock.
    static LAST: Cell<((usize, usize), &'static str)> = const { Cell::new(((0, 0), "")) };
}

/// The canonical name of `T` from the process-wide cache, computed on first use.
fn shared(raw: &'static str, key: (usize, usize)) -> &'static str {
    if let Ok(cache) = CACHE.read()
        && let Some(name) = cache.get(&key)
    {
        return name;
    }
    let name = canonicalize(raw);
    let name: &'static str = if name == raw { raw } else { Box::leak(name.into_boxed_str()) };
    if let Ok(mut cache) = CACHE.write() {
        cache.insert(key, name);
    }
    name
}

/// Canonical names by the address and length of `type_name`'s static string.
static CACHE: RwLock<HashMap<(usize, usize), &'static str, BuildHasherDefault<AddressHasher>>> =
    RwLock::new(HashMap::with_hasher(BuildHasherDefault::new()));

/// A multiplicative hash for keys that are addresses: distinct and well spread already.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Puts a `std::any::type_name` string in the canonical form described above.
pub(crate) fn canonicalize(raw: &str) -> String {
    let mut parser = Parser { rest: raw };
    match parser.ty() {
        Some(ty) if parser.rest.trim().is_empty() => {
            let mut out = String::with_capacity(raw.len());
            ty.simplify().write(&mut out);
            out
        }
        _ => raw.to_owned(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// A path with its generic arguments: `app::Point`, `Vec<i32>`.
    Path { path: String, args: Vec<Ty> },
    /// `[T]`
    Slice(Box<Ty>),
    /// `[T; N]`
    Array(Box<Ty>, String),
    /// `(A, B)`, and `()` when empty.
    Tuple(Vec<Ty>),
}

const STD_ROOTS: [&str; 3] = ["alloc::", "core::", "std::"];
const TRANSPARENT: [&str; 4] = ["Box", "Rc", "Arc", "Cow"];

impl Ty {
    fn simplify(self) -> Ty {
        match self {
            Ty::Path { path, args } => {
                let mut args: Vec<Ty> = args.into_iter().map(Ty::simplify).collect();
                let path = if STD_ROOTS.iter().any(|root| path.starts_with(root)) {
                    path.rsplit("::").next().unwrap_or(&path).to_owned()
                } else {
                    path
                };
                match path.as_str() {
                    "str" => Ty::Path { path: "String".into(), args },
                    p if TRANSPARENT.contains(&p) && args.len() == 1 => args.remove(0),
                    _ => Ty::Path { path, args },
                }
            }
            Ty::Slice(inner) => Ty::Path { path: "Vec".into(), args: vec![inner.simplify()] },
            Ty::Array(inner, len) => Ty::Array(Box::new(inner.simplify()), len),
            Ty::Tuple(items) => Ty::Tuple(items.into_iter().map(Ty::simplify).collect()),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Ty::Path { path, args } => {
                out.push_str(path);
                if !args.is_empty() {
                    out.push('<');
                    write_list(args, out);
                    out.push('>');
                }
            }
            Ty::Slice(inner) => {
                out.push('[');
                inner.write(out);
                out.push(']');
            }
            Ty::Array(inner, len) => {
                out.push('[');
                inner.write(out);
                let _ = write!(out, "; {len}]");
            }
            Ty::Tuple(items) => {
                out.push('(');
                write_list(items, out);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
        }
    }
}

fn write_list(items: &[Ty], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write(out);
    }
}

/// A recursive-descent parser over the small grammar `type_name` prints.
struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn eat(&mut self, token: &str) -> bool {
        let trimmed = self.rest.trim_start();
        match trimmed.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn ty(&mut self) -> Option<Ty> {
        // references and lifetimes: `&'a mut T` is `T`
        if self.eat("&") {
            if self.rest.starts_with('\'') {
                self.lifetime();
            }
            let _ = self.eat("mut ");
            return self.ty();
        }
        if self.eat("[") {
            let inner = self.ty()?;
            if self.eat(";") {
                let len = self.until(']')?;
                return Some(Ty::Array(Box::new(inner), len.trim().to_owned()));
            }
            return self.eat("]").then(|| Ty::Slice(Box::new(inner)));
        }
        if self.eat("(") {
            let items = self.list(")")?;
            return Some(Ty::Tuple(items));
        }
        let trimmed = self.rest.trim_start();
        for verbatim in ["dyn ", "fn(", "*const ", "*mut ", "impl "] {
            if trimmed.starts_with(verbatim) {
                return None; // too rich for this grammar: the caller keeps the raw name
            }
        }
        self.path()
    }

    fn lifetime(&mut self) {
        let end = self
            .rest
            .find(|c: char| !(c == '\'' || c == '_' || c.is_alphanumeric()))
            .unwrap_or(self.rest.len());
        self.rest = &self.rest[end..];
    }

    fn path(&mut self) -> Option<Ty> {
        self.rest = self.rest.trim_start();
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{' || c == '}'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let path = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        let args = if self.eat("<") { self.list(">")? } else { Vec::new() };
        Some(Ty::Path { path, args })
    }

    /// Comma-separated types up to `close`; lifetimes among them are dropped.
    fn list(&mut self, close: &str) -> Option<Vec<Ty>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            if self.rest.trim_start().starts_with('\'') {
                self.rest = self.rest.trim_start();
                self.lifetime();
            } else {
                items.push(self.ty()?);
            }
            if !self.eat(",") {
                return self.eat(close).then_some(items);
            }
        }
    }

    fn until(&mut self, close: char) -> Option<&str> {
        let end = self.rest.find(close)?;
        let text = &self.rest[..end];
        self.rest = &self.rest[end + close.len_utf8()..];
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use std::collections::HashMap;
    use std::rc::Rc;
    use std::sync::Arc;

    #[test]
    fn borrowed_and_owned_agree() {
        assert_eq!(canonical::<str>(), "String");
        assert_eq!(canonical::<&str>(), "String");
        assert_eq!(canonical::<String>(), "String");
        assert_eq!(canonical::<Box<str>>(), "String");
        assert_eq!(canonical::<Cow<'static, str>>(), "String");
        assert_eq!(canonical::<[u8]>(), "Vec<u8>");
        assert_eq!(canonical::<&[u8]>(), "Vec<u8>");
        assert_eq!(canonical::<Vec<u8>>(), "Vec<u8>");
        assert_eq!(canonical::<Rc<Vec<u8>>>(), "Vec<u8>");
        assert_eq!(canonical::<Arc<i32>>(), "i32");
    }

    #[test]
    fn shapes_that_encode_differently_stay_apart() {
        assert_eq!(canonical::<[u8; 4]>(), "[u8; 4]");
        assert_ne!(canonical::<[u8; 4]>(), canonical::<Vec<u8>>());
        assert_eq!(canonical::<(i32,)>(), "(i32,)");
        assert_eq!(canonical::<()>(), "()");
        assert_eq!(canonical::<(u8, &str)>(), "(u8, String)");
        assert_eq!(canonical::<HashMap<String, Vec<Option<i64>>>>(), "HashMap<String, Vec<Option<i64>>>");
    }

    #[test]
    fn user_paths_are_kept_whole() {
        struct Local;
        assert_eq!(
            canonical::<Option<Local>>(),
            "Option<brine_io::type_name::tests::user_paths_are_kept_whole::Local>"
        );
    }

    #[test]
    fn unknown_grammar_is_kept_verbatim() {
        assert_eq!(canonicalize("dyn core::fmt::Debug"), "dyn core::fmt::Debug");
        assert_eq!(canonicalize("fn(i32) -> i32"), "fn(i32) -> i32");
        assert_eq!(canonicalize("Vec<"), "Vec<");
        assert_eq!(canonicalize(""), "");
    }

    /// The load path compares a stored name with `type_name` before it looks
    /// up the canonical name; that is right only if canonical names are a
    /// fixed point of `canonicalize`.
    #[test]
    fn canonical_names_are_a_fixed_point() {
        struct Local<T>(T);
        let names = [
            std::any::type_name::<&str>(),
            std::any::type_name::<Vec<Option<&[u8]>>>(),
            std::any::type_name::<HashMap<Box<str>, (u8, Rc<[i64; 3]>, ())>>(),
            std::any::type_name::<Local<Cow<'static, [Arc<String>]>>>(),
            std::any::type_name::<std::collections::BTreeMap<char, std::collections::VecDeque<f32>>>(),
            std::any::type_name::<(i128,)>(),
            std::any::type_name::<dyn std::fmt::Debug>(),
            std::any::type_name::<fn(u8) -> u8>(),
            "Vec<",
            "",
        ];
        for raw in names {
            let once = canonicalize(raw);
            assert_eq!(canonicalize(&once), once, "canonicalize is not idempotent on {raw}");
        }
    }
}
