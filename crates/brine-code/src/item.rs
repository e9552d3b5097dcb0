//! [`Code`]: an item's source kept at compile time, and writing it out.

use std::borrow::Cow;
use std::fmt;

use brine_source::Source;

use crate::Error;

/// Returns the [`Code`] that `#[source]` kept for an item, as a
/// `&'static Code`.
///
/// Name the item by its path (`source_of!(f)`, `source_of!(geometry::area)`);
/// name an `impl` block as `source_of!(impl Type)` or
/// `source_of!(impl Trait for Type)`, with the path of the module the block
/// is written in before the type (`source_of!(impl shapes::Circle)`).
///
/// ```
/// mod shapes {
///     #[brine_code::source]
///     pub struct Circle {
///         pub r: f64,
///     }
///
///     #[brine_code::source]
///     impl Circle {
///         pub fn area(&self) -> f64 {
///             std::f64::consts::PI * self.r * self.r
///         }
///     }
/// }
///
/// use brine_code::Kind;
/// let code = brine_code::source_of!(shapes::Circle);
/// assert_eq!((code.kind(), code.name()), (Kind::Struct, "Circle"));
/// let block = brine_code::source_of!(impl shapes::Circle);
/// assert_eq!((block.kind(), block.name()), (Kind::Impl, "impl Circle"));
/// assert!(block.text().starts_with("impl Circle {\n        pub fn area"));
/// ```
#[macro_export]
macro_rules! source_of {
    ($($item:tt)+) => {
        $crate::__private::source_of!($($item)+)
    };
}

/// What kind of item a [`Code`] holds.
///
/// ```
/// use brine_code::Kind;
///
/// #[brine_code::source]
/// const LIMIT: usize = 3;
///
/// assert_eq!(brine_code::source_of!(LIMIT).kind(), Kind::Const);
/// assert_eq!(Kind::Const.to_string(), "const");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `fn`
    Fn,
    /// `struct`
    Struct,
    /// `enum`
    Enum,
    /// `union`
    Union,
    /// `trait`
    Trait,
    /// `impl`
    Impl,
    /// `const`
    Const,
    /// `static`
    Static,
    /// `mod` (inline)
    Mod,
    /// `type`
    Type,
}

impl Kind {
    /// The keyword that introduces the item.
    ///
    /// ```
    /// assert_eq!(brine_code::Kind::Fn.keyword(), "fn");
    /// ```
    pub const fn keyword(self) -> &'static str {
        match self {
            Kind::Fn => "fn",
            Kind::Struct => "struct",
            Kind::Enum => "enum",
            Kind::Union => "union",
            Kind::Trait => "trait",
            Kind::Impl => "impl",
            Kind::Const => "const",
            Kind::Static => "static",
            Kind::Mod => "mod",
            Kind::Type => "type",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Where a [`Code`]'s text comes from.
///
/// ```
/// use brine_code::TextOrigin;
///
/// #[brine_code::source]
/// fn written_here() {}
///
/// macro_rules! make {
///     ($name:ident) => {
///         #[brine_code::source]
///         fn $name() {}
///     };
/// }
/// make!(made_by_a_macro);
///
/// assert_eq!(brine_code::source_of!(written_here).origin(), TextOrigin::File);
/// assert_eq!(brine_code::source_of!(made_by_a_macro).origin(), TextOrigin::Tokens);
/// assert_eq!(brine_code::source_of!(made_by_a_macro).text(), "fn made_by_a_macro () {}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextOrigin {
    /// The exact text of the item in its file: formatting and comments kept.
    File,
    /// The item's tokens printed: for an item a `macro_rules!` macro wrote
    /// (whose file text is the macro's, not the item's), or when the file
    /// cannot be read. Comments are lost, and the layout is the printer's.
    Tokens,
}

/// The source of one item, kept at compile time by `#[source]`.
///
/// Get one with [`source_of!`](crate::source_of). A `Code` is [`Source`]:
/// [`brine_source::to_string`] gives its text and [`brine_source::dump`]
/// writes it to a `.rs` file. So is a list of them, [`Items`], written as
/// one file: how a function travels with the functions and types it uses.
///
/// ```
/// #[brine_code::source]
/// pub fn g(x: i64) -> i64 {
///     x * x - x
/// }
///
/// let g = brine_code::source_of!(g);
/// assert_eq!(g.name(), "g");
/// assert!(g.file().ends_with(".rs") && g.line() > 0);
/// assert_eq!(brine_source::to_string(g)?, "pub fn g(x: i64) -> i64 {\n    x * x - x\n}");
/// # Ok::<(), brine_source::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code {
    kind: Kind,
    name: Cow<'static, str>,
    text: Cow<'static, str>,
    file: &'static str,
    line: u32,
    column: u32,
    origin: TextOrigin,
    module_path: &'static str,
}

impl Code {
    /// The item's kind.
    ///
    /// ```
    /// #[brine_code::source]
    /// enum Axis { X, Y }
    /// assert_eq!(brine_code::source_of!(Axis).kind(), brine_code::Kind::Enum);
    /// ```
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The item's name (for an `impl` block: `impl Type` or
    /// `impl Trait for Type`).
    ///
    /// ```
    /// #[brine_code::source]
    /// static GREETING: &str = "hello";
    /// assert_eq!(brine_code::source_of!(GREETING).name(), "GREETING");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The item's source text, from its first attribute or doc comment to
    /// its last token, without the `#[source]` attribute (see
    /// [`origin`](Self::origin)). Attributes written before `#[source]`
    /// that rustc expands first, like `#[derive(..)]`, are not part of it:
    /// write `#[source]` first to keep them.
    ///
    /// ```
    /// #[brine_code::source]
    /// type Pair = (u8, u8); // two bytes
    /// assert_eq!(brine_code::source_of!(Pair).text(), "type Pair = (u8, u8);");
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file the item is written in, as rustc names it (relative to the
    /// package or workspace root when built by cargo).
    ///
    /// ```
    /// #[brine_code::source]
    /// fn here() {}
    /// assert!(brine_code::source_of!(here).file().ends_with(".rs"));
    /// ```
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The 1-based line of the item's first token in [`file`](Self::file).
    ///
    /// ```
    /// let line = line!() + 2;
    /// #[brine_code::source]
    /// fn here() {}
    /// assert_eq!(brine_code::source_of!(here).line(), line);
    /// ```
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column of the item's first token.
    ///
    /// ```
    /// mod inner {
    ///     #[brine_code::source]
    ///     pub fn indented() {}
    /// }
    /// assert_eq!(brine_code::source_of!(inner::indented).column(), 5);
    /// ```
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The `module_path!()` of the module the item is in.
    ///
    /// ```
    /// mod inner {
    ///     #[brine_code::source]
    ///     pub fn f() {}
    /// }
    /// assert!(brine_code::source_of!(inner::f).module_path().ends_with("::inner"));
    /// ```
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// Whether [`text`](Self::text) is the exact file text or printed tokens.
    ///
    /// ```
    /// #[brine_code::source]
    /// fn f() {}
    /// assert_eq!(brine_code::source_of!(f).origin(), brine_code::TextOrigin::File);
    /// ```
    pub fn origin(&self) -> TextOrigin {
        self.origin
    }

    /// The same item under another name: dill's `alias=`. Only the name in
    /// the item's definition changes (`fn f` becomes `fn _f`); a recursive
    /// function's calls to itself keep the old name, so dump it together
    /// with the original.
    ///
    /// ```
    /// #[brine_code::source]
    /// pub fn f(x: i64) -> i64 { x * x }
    ///
    /// let renamed = brine_code::source_of!(f).alias("_f")?;
    /// assert_eq!(renamed.name(), "_f");
    /// assert_eq!(renamed.text(), "pub fn _f(x: i64) -> i64 { x * x }");
    /// # Ok::<(), brine_code::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Alias`] when `alias` is not an identifier, or the item is an
    /// `impl` block (which has no name).
    pub fn alias(&self, alias: &str) -> Result<Code, Error> {
        let refuse = |reason: &str| Error::Alias {
            item: format!("{} `{}`", self.kind, self.name),
            alias: alias.to_owned(),
            reason: reason.to_owned(),
        };
        if !is_identifier(alias) {
            return Err(refuse("expected an identifier (letters, digits, `_`, not starting with a digit)"));
        }
        if self.kind == Kind::Impl {
            return Err(refuse("an `impl` block has no name to change"));
        }
        let range = definition_name(&self.text, self.kind.keyword(), &self.name)
            .ok_or_else(|| refuse("its name was not found after its keyword in its text"))?;
        let mut text = String::with_capacity(self.text.len() + alias.len());
        text.push_str(&self.text[..range.start]);
        text.push_str(alias);
        text.push_str(&self.text[range.end..]);
        Ok(Code { name: Cow::Owned(alias.to_owned()), text: Cow::Owned(text), ..self.clone() })
    }

    fn description(&self) -> String {
        format!("{} `{}` ({}:{})", self.kind, self.name, self.file, self.line)
    }
}

impl Source for Code {
    fn to_source(&self) -> Result<String, brine_source::Error> {
        Ok(self.text.to_string())
    }

    fn source_description(&self) -> String {
        format!("Rust code kept by #[brine::source]: {}", self.description())
    }
}

impl Source for &Code {
    fn to_source(&self) -> Result<String, brine_source::Error> {
        (**self).to_source()
    }

    fn source_description(&self) -> String {
        (**self).source_description()
    }
}

/// Several items written as one source file, in order: a function and the
/// functions and types it uses.
///
/// (A plain `[&Code]` cannot be [`Source`]: every slice of a serde value
/// already is, through the blanket implementation.)
///
/// ```
/// use brine_code::Items;
///
/// #[brine_code::source]
/// pub fn f(x: i64) -> i64 {
///     x * x
/// }
///
/// #[brine_code::source]
/// pub fn g(x: i64) -> i64 {
///     f(x) - x
/// }
///
/// let (f, g) = (brine_code::source_of!(f), brine_code::source_of!(g));
/// let text = brine_source::to_string(&Items::new([g, f]))?;
/// assert_eq!(text, format!("{}\n\n{}\n", g.text(), f.text()));
/// # Ok::<(), brine_source::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Items<'a> {
    items: Vec<&'a Code>,
}

impl<'a> Items<'a> {
    /// The items, in the order they are written.
    ///
    /// See the example on [`Items`].
    pub fn new(items: impl IntoIterator<Item = &'a Code>) -> Self {
        Self { items: items.into_iter().collect() }
    }

    /// The items.
    ///
    /// ```
    /// #[brine_code::source]
    /// fn f() {}
    /// let items = brine_code::Items::new([brine_code::source_of!(f)]);
    /// assert_eq!(items.as_slice()[0].name(), "f");
    /// ```
    pub fn as_slice(&self) -> &[&'a Code] {
        &self.items
    }
}

impl<'a> FromIterator<&'a Code> for Items<'a> {
    fn from_iter<I: IntoIterator<Item = &'a Code>>(items: I) -> Self {
        Self::new(items)
    }
}

impl Source for Items<'_> {
    fn to_source(&self) -> Result<String, brine_source::Error> {
        let mut out = String::new();
        for (index, code) in self.items.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            out.push_str(code.text());
            out.push('\n');
        }
        Ok(out)
    }

    fn source_description(&self) -> String {
        let mut out = format!("Rust code kept by #[brine::source]: {} items", self.items.len());
        for code in &self.items {
            out.push_str("\n  ");
            out.push_str(&code.description());
        }
        out
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && name != "_"
}

/// The byte range of the item's name: the first identifier after the first
/// `keyword` that stands outside brackets, comments and literals (after
/// `static`, a `mut` is skipped).
fn definition_name(text: &str, keyword: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let mut words = Words::new(text);
    while let Some((_, word)) = words.next() {
        if word == keyword && words.depth == 0 {
            let (mut range, mut word) = words.next()?;
            if keyword == "static" && word == "mut" {
                (range, word) = words.next()?;
            }
            let bare = word.strip_prefix("r#").unwrap_or(word);
            return (bare == name).then_some(range);
        }
    }
    None
}

/// Identifiers of Rust text, skipping comments, string, byte-string, raw
/// string and character literals, and counting bracket depth.
struct Words<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, at: 0, depth: 0 }
    }

    fn next(&mut self) -> Option<(std::ops::Range<usize>, &'a str)> {
        while let Some(c) = self.text[self.at..].chars().next() {
            let rest = &self.text[self.at..];
            if rest.starts_with("//") {
                self.at += rest.find('\n').unwrap_or(rest.len());
            } else if rest.starts_with("/*") {
                self.at += block_comment_len(rest);
            } else if c == '"' {
                self.at += quoted_len(rest, '"');
            } else if c == '\'' {
                self.at += char_or_lifetime_len(rest);
            } else if matches!(c, '(' | '[' | '{') {
                self.depth += 1;
                self.at += 1;
            } else if matches!(c, ')' | ']' | '}') {
                self.depth = self.depth.saturating_sub(1);
                self.at += 1;
            } else if c == '_' || c.is_alphabetic() {
                if let Some(len) = raw_string_len(rest) {
                    self.at += len;
                    continue;
                }
                let raw = rest.starts_with("r#");
                let body = if raw { &rest[2..] } else { rest };
                let len = body.find(|c: char| !(c == '_' || c.is_alphanumeric())).unwrap_or(body.len());
                let start = self.at;
                let end = start + len + if raw { 2 } else { 0 };
                self.at = end;
                // a `b"..."` / `b'.'` literal starts with an identifier-like `b`
                if &self.text[start..end] == "b" && self.text[end..].starts_with(['"', '\'']) {
                    continue;
                }
                return Some((start..end, &self.text[start..end]));
            } else {
                self.at += c.len_utf8();
            }
        }
        None
    }
}

fn block_comment_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth = depth.saturating_sub(1);
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    rest.len()
}

fn quoted_len(rest: &str, quote: char) -> usize {
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return i + 1;
        }
    }
    rest.len()
}

/// `'a'`, `'\n'`, `'\u{1F600}'` are characters; in `'a` (a lifetime) only
/// the quote is skipped, and the name is read as an identifier next.
fn char_or_lifetime_len(rest: &str) -> usize {
    let mut chars = rest.char_indices().skip(1);
    match chars.next() {
        Some((_, '\\')) => quoted_len(rest, '\''),
        Some((_, c)) if c != '\'' => match chars.next() {
            Some((i, '\'')) => i + 1,
            _ => 1,
        },
        _ => 1,
    }
}

/// The length of a raw (byte) string literal starting here: `r"..."`,
/// `r#"..."#`, `br"..."`.
fn raw_string_len(rest: &str) -> Option<usize> {
    let after_prefix = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
    let body = after_prefix[hashes..].strip_prefix('"')?;
    let closing = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&closing)?;
    Some(rest.len() - body.len() + end + closing.len())
}

/// What `#[source]` knows of an item, by name: the macro-to-runtime contract,
/// used through [`__private`](crate::__private).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Kept {
    pub kind: Kind,
    pub name: &'static str,
    pub text: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub column: u32,
    /// `true` when `text` is the item's exact text in its file.
    pub exact: bool,
    pub module_path: &'static str,
}

/// The [`Code`] for what `#[source]` kept.
#[doc(hidden)]
pub const fn kept(kept: Kept) -> Code {
    let Kept { kind, name, text, file, line, column, exact, module_path } = kept;
    Code {
        kind,
        name: Cow::Borrowed(name),
        text: Cow::Borrowed(text),
        file,
        line,
        column,
        origin: if exact { TextOrigin::File } else { TextOrigin::Tokens },
        module_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_name_is_found_past_attributes_comments_and_literals() {
        let text = "/// fn f is documented\n#[doc = \"fn f\"]\n// fn f\npub fn f(x: i64) -> i64 { f(x) }";
        let range = definition_name(text, "fn", "f").unwrap();
        assert_eq!(&text[..range.start], "/// fn f is documented\n#[doc = \"fn f\"]\n// fn f\npub fn ");
        let text = "static mut COUNT: u8 = 0;";
        assert_eq!(&text[definition_name(text, "static", "COUNT").unwrap()], "COUNT");
        let text = "#[cfg(r#\"fn\"#)] /* fn x */ const fn r#f() {}";
        assert_eq!(&text[definition_name(text, "fn", "f").unwrap()], "r#f");
        let text = "fn f<'a>(x: &'a str, c: char) -> &'a str { let _ = '}'; x }";
        assert_eq!(definition_name(text, "fn", "f"), Some(3..4));
        assert_eq!(definition_name("fn g() {}", "fn", "f"), None);
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("_f") && is_identifier("f2") && is_identifier("überall"));
        assert!(!is_identifier("") && !is_identifier("2f") && !is_identifier("a-b") && !is_identifier("_"));
    }
}
