//! Rust source back to values: a literal evaluator.
//!
//! The reader drives serde straight from the tokens (no syntax tree): each
//! `deserialize_*` call reads one expression of the shape the type asks for.
//! It evaluates literals and a fixed set of harmless forms — it never runs
//! code:
//!
//! - literals of every kind, with `-`, `_` separators, suffixes, radix
//!   prefixes, raw strings and every escape; `i32::MAX`-style constants,
//!   `f64::NAN`, `f64::INFINITY`, `f64::NEG_INFINITY`, `f64::from_bits(..)`;
//! - conversions that leave the value as it is: `.into()`, `.to_string()`,
//!   `.to_owned()`, `.to_vec()`, `.into_iter()`, `.collect()` and the like
//!   after a value, `&` before it, and calls of `X::from(..)`,
//!   `X::from_iter(..)`, `X::new(..)` and `Cow::Borrowed/Owned(..)` around it;
//! - `vec![..]`, arrays, tuples, `Some(..)`/`None` by any path, struct
//!   literals, tuple structs, enum variants by `Variant` or `Enum::Variant`.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{ReadError, ReadErrorKind};
use super::lexer::{Lexer, Tok, Token, float_literal, int_literal, unescape};

/// How deep values may nest before the reader (and the writer) refuse them.
pub(crate) const DEFAULT_MAX_DEPTH: usize = 4096;

type Result<T> = std::result::Result<T, ReadError>;

/// Method calls after a value that do not change it.
const NO_OP_METHODS: &[&str] = &[
    "into",
    "to_string",
    "to_owned",
    "to_vec",
    "into_iter",
    "iter",
    "collect",
    "cloned",
    "copied",
    "into_boxed_slice",
    "into_boxed_str",
    "as_slice",
    "as_str",
    "as_ref",
    "clone",
];

pub(crate) struct Deserializer<'de> {
    lex: Lexer<'de>,
    /// How many values (and conversions like `Box::new(`) enclose the one
    /// being read.
    depth: usize,
    max_depth: usize,
    /// Which calls have several arguments, found when first needed.
    calls: Option<Calls>,
}

/// The `(`s of a text that open several arguments (`X(a, b)`, not `X(a)`,
/// `X(a,)` or `X()`), by their byte offsets, in order: found in one pass
/// over the tokens, with a stack of the brackets still open.
struct Calls {
    several: Vec<usize>,
}

impl Calls {
    fn find(src: &str) -> Calls {
        // (offset, bracket, seen a `,` with more after it)
        let mut open: Vec<(usize, u8, bool)> = Vec::new();
        let mut several = Vec::new();
        let mut lex = Lexer::new(src);
        // A lexing error ends the pass: the reader meets it itself when it
        // gets there, and a call left open counts as one argument.
        while let Ok(token) = lex.next() {
            match token.tok {
                Tok::Eof => break,
                Tok::Punct(c @ (b'(' | b'[' | b'{' | b'<')) => open.push((token.start, c, false)),
                Tok::Punct(b'>') if open.last().is_some_and(|&(_, c, _)| c == b'<') => {
                    open.pop();
                }
                Tok::Punct(b')' | b']' | b'}') => {
                    if let Some((start, b'(', true)) = open.pop() {
                        several.push(start);
                    }
                }
                Tok::Punct(b',') => {
                    // `(value,)` is still one argument
                    let more = lex.peek().is_ok_and(|next| next.tok != Tok::Punct(b')'));
                    if let Some(last) = open.last_mut() {
                        last.2 |= more;
                    }
                }
                _ => {}
            }
        }
        several.extend(open.iter().filter(|&&(_, c, more)| c == b'(' && more).map(|&(start, ..)| start));
        several.sort_unstable();
        Calls { several }
    }
}

/// A path like `::core::option::Option::Some`, as far as the reader needs it.
#[derive(Clone, Copy, Debug)]
struct Path<'de> {
    /// The last segment.
    last: &'de str,
    /// The segment before it, if any.
    parent: Option<&'de str>,
    start: usize,
    end: usize,
}

impl<'de> Deserializer<'de> {
    pub(crate) fn new(src: &'de str, max_depth: usize) -> Self {
        Deserializer { lex: Lexer::new(src), depth: 0, max_depth, calls: None }
    }

    /// Checks that nothing but whitespace and comments follows the value.
    pub(crate) fn end(&mut self) -> Result<()> {
        let token = self.lex.peek()?;
        match token.tok {
            Tok::Eof => Ok(()),
            _ => Err(self.unexpected(&token, "the end of the input")),
        }
    }

    fn unexpected(&self, token: &Token<'de>, expected: &str) -> ReadError {
        ReadError::syntax(token.start, expected, self.lex.describe(token))
    }

    /// Before each item of a list closed by `close`: the `,` after the
    /// previous item (none before the first), or the closing bracket next.
    fn separator(&mut self, first: &mut bool, close: u8) -> Result<()> {
        if !std::mem::replace(first, false) {
            let token = self.peek()?;
            if token.tok == Tok::Punct(b',') {
                self.lex.next()?;
            } else if token.tok != Tok::Punct(close) {
                return Err(self.unexpected(&token, &format!("`,` or `{}`", close as char)));
            }
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Token<'de>> {
        self.lex.peek()
    }

    fn is_punct(&mut self, c: u8) -> Result<bool> {
        Ok(self.peek()?.tok == Tok::Punct(c))
    }

    fn expect_punct(&mut self, c: u8, expected: &str) -> Result<Token<'de>> {
        let token = self.lex.next()?;
        if token.tok == Tok::Punct(c) { Ok(token) } else { Err(self.unexpected(&token, expected)) }
    }

    /// Enters a conversion's parenthesis at `token` (`Box::new(`): one
    /// level deeper, refused past the limit.
    fn enter(&mut self, token: &Token<'de>) -> Result<()> {
        if self.depth >= self.max_depth {
            return Err(ReadError {
                kind: ReadErrorKind::TooDeep(self.max_depth),
                offset: Some(token.start),
            });
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Reads a value that may hold other values (an option, a newtype, a
    /// struct, an enum, a sequence, a tuple, a map, or any value): one level
    /// deeper while `read` runs, whether or not the text has a bracket here,
    /// so that a type recursing without reading a token is refused at the
    /// limit too. The stack grows as needed where the platform allows it
    /// (see [`super::stack::grow_at`]).
    fn nest<V>(&mut self, read: impl FnOnce(&mut Self) -> Result<V>) -> Result<V> {
        if self.depth >= self.max_depth {
            let at = self.peek()?.start;
            return Err(ReadError { kind: ReadErrorKind::TooDeep(self.max_depth), offset: Some(at) });
        }
        self.depth += 1;
        let value = super::stack::grow_at(self.depth, || read(self))?;
        self.depth -= 1;
        Ok(value)
    }

    /// Reads a path if one comes next (`::a::b`, `a::<T>::b`).
    fn path(&mut self) -> Result<Option<Path<'de>>> {
        self.path_from(false)
    }

    /// Reads a path whose segments may also be string literals without
    /// escapes (`Enum::"kebab-case"`, `"renamed"`), as the writer gives names
    /// that serde renamed to something that is no identifier. With
    /// `str_start`, the path may start with one (a type or variant name);
    /// otherwise a string literal stays a value.
    fn path_from(&mut self, str_start: bool) -> Result<Option<Path<'de>>> {
        let first = self.peek()?;
        let starts = match first.tok {
            Tok::Ident(_) | Tok::PathSep => true,
            Tok::Str { body, raw } => str_start && (raw || !body.contains('\\')),
            _ => false,
        };
        if !starts {
            return Ok(None);
        }
        let mut path = Path { last: "", parent: None, start: first.start, end: first.start };
        if first.tok == Tok::PathSep {
            self.lex.next()?;
        }
        loop {
            let token = self.lex.next()?;
            let name = match token.tok {
                Tok::Ident(name) => name,
                Tok::Str { body, raw } if raw || !body.contains('\\') => body,
                _ => return Err(self.unexpected(&token, "a name after `::`")),
            };
            if !path.last.is_empty() {
                path.parent = Some(path.last);
            }
            path.last = name;
            path.end = token.end;
            if self.peek()?.tok != Tok::PathSep {
                return Ok(Some(path));
            }
            self.lex.next()?;
            if self.is_punct(b'<')? {
                // Generic arguments (`Vec::<u8>::new`): skipped.
                self.skip_generics()?;
                if self.peek()?.tok != Tok::PathSep {
                    return Ok(Some(path));
                }
                self.lex.next()?;
            }
        }
    }

    /// Whether the call whose `(` is the next token has exactly one
    /// argument. The answer for every `(` of the text comes from one pass
    /// over its tokens, made the first time it is asked ([`Calls`]): asking
    /// at each level of `X(X(X(..)))` costs nothing more.
    fn one_argument(&mut self) -> Result<bool> {
        let open = self.peek()?.start;
        let calls = self.calls.get_or_insert_with(|| Calls::find(self.lex.src()));
        Ok(calls.several.binary_search(&open).is_err())
    }

    fn skip_generics(&mut self) -> Result<()> {
        let open = self.expect_punct(b'<', "`<`")?;
        let mut depth = 1usize;
        while depth > 0 {
            let token = self.lex.next()?;
            match token.tok {
                Tok::Punct(b'<') => depth += 1,
                Tok::Punct(b'>') => depth -= 1,
                Tok::Eof => {
                    return Err(ReadError::syntax(
                        open.start,
                        "`>` closing these generic arguments",
                        "end of input",
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn path_text(&self, path: &Path<'de>) -> &'de str {
        self.lex.src().get(path.start..path.end).unwrap_or("")
    }

    /// Opens the conversions that may wrap a value (`&`, `X::from(`,
    /// `Box::new(`, ...); returns how many to close after it.
    fn open_wrappers(&mut self) -> Result<usize> {
        let mut open = 0;
        loop {
            let token = self.peek()?;
            match token.tok {
                Tok::Punct(b'&') => {
                    self.lex.next()?;
                    continue;
                }
                // A single name not followed by `::` is no wrapper (only
                // paths like `String::from` and `Cow::Borrowed` are): the
                // common case of a struct or variant name, told from the
                // bytes after it without lexing ahead.
                Tok::Ident(name)
                    if !matches!(name, "Borrowed" | "Owned") && !self.lex.path_sep_at(token.end) =>
                {
                    return Ok(open);
                }
                Tok::Ident(_) | Tok::PathSep => {}
                _ => return Ok(open),
            }
            let saved = self.lex.clone();
            let Some(path) = self.path()? else {
                return Ok(open);
            };
            let wrapper = matches!(
                (path.parent, path.last),
                (Some(_), "from" | "new" | "from_iter") | (Some("Cow") | None, "Borrowed" | "Owned")
            );
            let paren = self.peek()?;
            if wrapper && paren.tok == Tok::Punct(b'(') {
                self.lex.next()?;
                self.enter(&paren)?;
                open += 1;
            } else {
                self.lex = saved;
                return Ok(open);
            }
        }
    }

    fn close_wrappers(&mut self, open: usize) -> Result<()> {
        for _ in 0..open {
            self.postfix()?;
            if self.is_punct(b',')? {
                self.lex.next()?;
            }
            self.expect_punct(b')', "`)`")?;
            self.leave();
        }
        self.postfix()
    }

    /// Skips method calls that leave a value as it is: `.into()`,
    /// `.to_string()`, `.into_iter().collect::<Vec<_>>()`.
    fn postfix(&mut self) -> Result<()> {
        while self.is_punct(b'.')? {
            let saved = self.lex.clone();
            self.lex.next()?;
            let token = self.lex.next()?;
            let Tok::Ident(name) = token.tok else {
                self.lex = saved;
                return Ok(());
            };
            if !NO_OP_METHODS.contains(&name) {
                return Err(ReadError::syntax(
                    token.start,
                    "a conversion that keeps the value (`.into()`, `.to_string()`, \
                     `.to_owned()`, `.to_vec()`, `.collect()`, ...)",
                    self.lex.describe(&token),
                ));
            }
            if self.peek()?.tok == Tok::PathSep {
                self.lex.next()?;
                self.skip_generics()?;
            }
            self.expect_punct(b'(', "`(`")?;
            self.expect_punct(b')', "`)`: these conversions take no arguments")?;
        }
        Ok(())
    }

    /// Reads one value: conversions around it, then `read`, then the
    /// conversions' closing parentheses. Errors from `read` without a
    /// position get the value's.
    fn value<V>(&mut self, read: impl FnOnce(&mut Self) -> Result<V>) -> Result<V> {
        let start = self.peek()?.start;
        let open = self.open_wrappers()?;
        let value = read(self).map_err(|e: ReadError| e.at(start))?;
        self.close_wrappers(open)?;
        Ok(value)
    }

    /// An integer literal (with a `-`), a byte literal or a constant like
    /// `u8::MAX`. `what` names the expected value in errors.
    fn integer(&mut self, what: &str) -> Result<IntLit<'de>> {
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
    fn int_in<T: TryFrom<i128> + TryFrom<u128>>(&mut self, ty: &str, what: &str, range: &str) -> Result<T> {
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
    fn any_integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
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
    fn float<T: std::str::FromStr + FloatBits>(&mut self, ty: &str) -> Result<T> {
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
    fn float_bits(&mut self, ty: &str) -> Result<u64> {
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
    fn any_float<V: Visitor<'de>>(&mut self, ty: &str, visitor: V) -> Result<V::Value> {
        if ty == "f32" {
            visitor.visit_f32(self.float::<f32>("f32")?)
        } else {
            visitor.visit_f64(self.float::<f64>("f64")?)
        }
    }

    /// A string literal's text: borrowed when it has no escapes.
    fn string(&mut self, token: &Token<'de>) -> Result<Option<Str<'de>>> {
        match token.tok {
            Tok::Str { body, raw } => {
                if raw || !body.contains('\\') {
                    Ok(Some(Str::Borrowed(body)))
                } else {
                    let bytes = unescape(body, token.start + 1, false)?;
                    let text = String::from_utf8(bytes).map_err(|_| {
                        ReadError::syntax(token.start, "a valid UTF-8 string", "invalid UTF-8")
                    })?;
                    Ok(Some(Str::Owned(text)))
                }
            }
            _ => Ok(None),
        }
    }

    /// Checks the name of a struct or enum in a path against the type's.
    fn check_name(&self, path: &Path<'de>, name: &str, found: &str, kind: &str) -> Result<()> {
        if found == name || found == "Self" {
            Ok(())
        } else {
            Err(ReadError::data(
                path.start,
                format!("expected {kind} `{name}`, found `{}`", self.path_text(path)),
            ))
        }
    }

    /// `Name` before `{` or `(`: required, and checked against `name`.
    fn type_path(&mut self, name: &str, kind: &str) -> Result<Path<'de>> {
        let token = self.peek()?;
        match self.path_from(true)? {
            Some(path) => {
                self.check_name(&path, name, path.last, kind)?;
                Ok(path)
            }
            None => Err(self.unexpected(&token, &format!("{kind} `{name}`"))),
        }
    }

    /// After `Name`: `{ fields }` or `( items )` read by the visitor.
    fn struct_body<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let open = self.lex.next()?;
        match open.tok {
            Tok::Punct(b'{') => {
                let value = visitor.visit_map(Fields { de: self, first: true })?;
                self.close(b'}')?;
                Ok(value)
            }
            Tok::Punct(b'(') => {
                let value = visitor.visit_seq(Items { de: self, close: b')', first: true })?;
                self.close(b')')?;
                Ok(value)
            }
            _ => Err(self.unexpected(&open, "`{` or `(`")),
        }
    }

    /// After the visitor: an optional trailing comma, then `close`.
    fn close(&mut self, close: u8) -> Result<()> {
        if self.is_punct(b',')? {
            self.lex.next()?;
        }
        let token = self.lex.next()?;
        if token.tok == Tok::Punct(close) {
            Ok(())
        } else {
            let expected = match close {
                b')' => "`)`",
                b']' => "`]`",
                _ => "`}`",
            };
            Err(self.unexpected(&token, expected))
        }
    }

    /// The token that opens a list, past a `vec!` in front of it.
    fn list_open(&mut self) -> Result<Token<'de>> {
        let token = self.lex.next()?;
        if let Tok::Ident("vec") = token.tok {
            let bang = self.lex.next()?;
            if bang.tok != Tok::Punct(b'!') {
                return Err(self.unexpected(&bang, "`!` after `vec`"));
            }
            return self.lex.next();
        }
        Ok(token)
    }

    /// `[items]`, `vec![items]`, `(items)` for a sequence or tuple.
    fn seq_body<V: Visitor<'de>>(&mut self, visitor: V, what: &str) -> Result<V::Value> {
        let token = self.list_open()?;
        let close = match token.tok {
            Tok::Punct(b'[') => b']',
            Tok::Punct(b'(') => b')',
            Tok::ByteStr { body, raw } => {
                let bytes =
                    if raw { body.as_bytes().to_vec() } else { unescape(body, token.start + 2, true)? };
                return visitor.visit_seq(de::value::SeqDeserializer::new(bytes.into_iter()));
            }
            _ => return Err(self.unexpected(&token, what)),
        };
        let value = visitor.visit_seq(Items { de: self, close, first: true })?;
        self.close(close)?;
        Ok(value)
    }
}

/// The type a float literal's suffix gives it: `f32` or `f64` (the default).
fn float_type(text: &str) -> &'static str {
    if text.ends_with("f32") { "f32" } else { "f64" }
}

/// Pushes a token back: the lexer is restored to before `token`.
fn lex_back<'de>(lex: &mut Lexer<'de>, token: Token<'de>) {
    *lex = Lexer::at(lex.src(), token.start);
}

enum Str<'de> {
    Borrowed(&'de str),
    Owned(String),
}

/// An integer literal, a byte literal or a constant like `u8::MAX`, read.
struct IntLit<'de> {
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
fn same_int_type(own: &str, ty: &str) -> bool {
    own == ty || matches!((own, ty), ("usize", "u64") | ("isize", "i64"))
}

/// The segments of a path as written, without a leading `::` and without
/// the `core::`, `std::`, `core::primitive::` or `std::primitive::` in
/// front of a primitive type's name.
fn primitive_segments(path: &str) -> Vec<&str> {
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
fn int_constant(path: &str) -> Option<(&str, bool, u128)> {
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
enum FloatPath<'a> {
    /// `f64::NAN`, `f64::MAX`: an associated constant.
    Const(&'a str),
    /// `std::f64::consts::PI`.
    Consts(&'a str),
    /// `f64::from_bits`.
    FromBits,
}

/// A float constant's type and name, by the path as written, as rustc
/// resolves it (`f64::NAN`, `::core::f64::NAN`, `std::f64::consts::PI`).
fn float_path(path: &str) -> Option<(&str, FloatPath<'_>)> {
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
trait FloatBits: Sized {
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
            Tok::Punct(b'-') => {
                let mut ahead = self.lex.clone();
                ahead.next()?;
                match ahead.peek()?.tok {
                    Tok::Int(_) => self.any_integer(visitor),
                    Tok::Float(text) => self.any_float(float_type(text), visitor),
                    Tok::Ident(_) | Tok::PathSep => {
                        // `-f32::MAX` or `-i64::MAX`: the path tells
                        let mut probe = Deserializer { lex: ahead, depth: 0, max_depth: 0, calls: None };
                        let text = probe.path()?.map_or("", |p| probe.path_text(&p));
                        match float_path(text) {
                            Some((ty, _)) => self.any_float(ty, visitor),
                            None if int_constant(text).is_some() => self.any_integer(visitor),
                            None => self.any_float("f64", visitor),
                        }
                    }
                    _ => self.any_float("f64", visitor),
                }
            }
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
            Tok::Ident("true") => {
                self.lex.next()?;
                visitor.visit_bool(true)
            }
            Tok::Ident("false") => {
                self.lex.next()?;
                visitor.visit_bool(false)
            }
            Tok::Ident(_) | Tok::PathSep => {
                let saved = self.lex.clone();
                let Some(path) = self.path()? else {
                    return Err(self.unexpected(&token, "a value"));
                };
                let next = self.peek()?;
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
                    (_, Tok::Punct(b'(')) if float_path(self.path_text(&path)).is_some() => {
                        let ty = float_path(self.path_text(&path)).map_or("f64", |(ty, _)| ty);
                        self.lex = saved;
                        self.any_float(ty, visitor)
                    }
                    (_, Tok::Punct(b'(')) => {
                        // One argument: the value itself (a newtype);
                        // several: a sequence.
                        if self.one_argument()? {
                            self.lex.next()?;
                            let value = de::Deserializer::deserialize_any(&mut *self, visitor)?;
                            self.close(b')')?;
                            Ok(value)
                        } else {
                            self.struct_body(visitor)
                        }
                    }
                    (last, _) => {
                        let text = self.path_text(&path);
                        if let Some((ty, _)) = float_path(text) {
                            self.lex = saved;
                            self.any_float(ty, visitor)
                        } else if int_constant(text).is_some() {
                            self.lex = saved;
                            self.any_integer(visitor)
                        } else {
                            visitor.visit_borrowed_str(last)
                        }
                    }
                }
            }
            _ => Err(self.unexpected(&token, "a value")),
        }
        .map_err(|e: ReadError| e.at(start))?;
        self.close_wrappers(open)?;
        Ok(value)
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

struct BytesVisitor;

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
struct Items<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    close: u8,
    first: bool,
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
struct Fields<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
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
struct Pairs<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    close: u8,
    first: bool,
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
struct Enum<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    path: Path<'de>,
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
