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

use serde::de::{self, Visitor};

use super::error::{ReadError, ReadErrorKind};
use super::lexer::{Lexer, Tok, Token, unescape};

/// How deep values may nest before the reader (and the writer) refuse them:
/// 4096 where the stack grows as needed (`stack.rs`), 256 elsewhere, which
/// a 2 MiB thread holds in a debug build.
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(crate) const DEFAULT_MAX_DEPTH: usize = 4096;
#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
pub(crate) const DEFAULT_MAX_DEPTH: usize = 256;

type Result<T> = std::result::Result<T, ReadError>;

mod access;
mod number;
mod serde_impl;

use access::{Fields, Items};

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

/// Pushes a token back: the lexer is restored to before `token`.
fn lex_back<'de>(lex: &mut Lexer<'de>, token: Token<'de>) {
    *lex = Lexer::at(lex.src(), token.start);
}

enum Str<'de> {
    Borrowed(&'de str),
    Owned(String),
}
