//! Rust tokens, as far as literal expressions need them.
//!
//! The lexer skips whitespace and comments (line, block — nested — and doc
//! comments) and hands out one token at a time, with one token of lookahead.
//! It is `Clone` so that the reader can look further ahead and come back.
//! Literal tokens keep their source text; their values are decoded on
//! demand by the functions at the end of this file.

use super::error::ReadError;

/// A token's kind and text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok<'de> {
    /// An identifier or keyword, without a raw identifier's `r#`.
    Ident(&'de str),
    /// An integer literal: digits with radix prefix, `_`s and suffix.
    Int(&'de str),
    /// A float literal (with a `.`, an exponent, or an `f32`/`f64` suffix).
    Float(&'de str),
    /// A string literal's content between the quotes, raw or still escaped.
    Str { body: &'de str, raw: bool },
    /// A byte string literal's content between the quotes.
    ByteStr { body: &'de str, raw: bool },
    /// A character literal's content between the quotes, still escaped.
    Char(&'de str),
    /// A byte literal's content between the quotes, still escaped.
    Byte(&'de str),
    /// `::`
    PathSep,
    /// Any other single punctuation character.
    Punct(u8),
    /// The end of the text.
    Eof,
}

/// A token and where it starts and ends in the text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'de> {
    pub(crate) tok: Tok<'de>,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Lexer<'de> {
    src: &'de str,
    pos: usize,
    peeked: Option<Token<'de>>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'de> Lexer<'de> {
    pub(crate) fn new(src: &'de str) -> Self {
        Lexer { src, pos: 0, peeked: None }
    }

    /// A lexer that continues at byte `pos` (a token boundary) of `src`.
    pub(crate) fn at(src: &'de str, pos: usize) -> Self {
        Lexer { src, pos, peeked: None }
    }

    pub(crate) fn src(&self) -> &'de str {
        self.src
    }

    /// The next token, left in place.
    pub(crate) fn peek(&mut self) -> Result<Token<'de>, ReadError> {
        if let Some(token) = self.peeked {
            return Ok(token);
        }
        let token = self.lex()?;
        self.peeked = Some(token);
        Ok(token)
    }

    /// The next token, consumed.
    pub(crate) fn next(&mut self) -> Result<Token<'de>, ReadError> {
        let token = self.peek()?;
        self.peeked = None;
        Ok(token)
    }

    /// The text of a token, for error messages: shortened when long.
    pub(crate) fn describe(&self, token: &Token<'de>) -> String {
        if token.tok == Tok::Eof {
            return "end of input".to_owned();
        }
        let text = self.src.get(token.start..token.end).unwrap_or("");
        let mut shown: String = text.chars().take(40).collect();
        if shown.len() < text.len() {
            shown.push_str("...");
        }
        format!("`{shown}`")
    }

    /// Whether `::` may come next after byte `pos`: false only when the
    /// next character after spaces is plainly something else (a comment
    /// there gives `true`, and the caller then lexes properly).
    pub(crate) fn path_sep_at(&self, pos: usize) -> bool {
        let rest = self.src.as_bytes().get(pos..).unwrap_or_default();
        let skipped = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        matches!(rest.get(skipped), Some(b':' | b'/'))
    }

    fn rest(&self) -> &'de str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_byte_at(&self, offset: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + offset).copied()
    }

    fn skip_trivia(&mut self) -> Result<(), ReadError> {
        loop {
            // the common case, indentation: ASCII whitespace a byte at a time
            let bytes = self.src.as_bytes();
            while bytes.get(self.pos).is_some_and(|&b| matches!(b, b' ' | b'\n' | b'\t' | b'\r')) {
                self.pos += 1;
            }
            let rest = self.rest();
            if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
                self.pos += c.len_utf8();
            } else if rest.starts_with("//") {
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else if rest.starts_with("/*") {
                let start = self.pos;
                let bytes = rest.as_bytes();
                let mut depth = 0usize;
                let mut i = 0;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(_), _) => i += 1,
                        (None, _) => {
                            return Err(ReadError::syntax(
                                start,
                                "`*/` closing this comment",
                                "end of input",
                            ));
                        }
                    }
                }
                self.pos += i;
            } else {
                return Ok(());
            }
        }
    }

    // Out of line on purpose: inlined into `peek`, the token built here field
    // by field was copied at once right after, a store-forwarding stall on
    // every token (from_str 10-25% slower).
    #[inline(never)]
    fn lex(&mut self) -> Result<Token<'de>, ReadError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok(Token { tok: Tok::Eof, start, end: start });
        };
        let tok = match c {
            '0'..='9' => self.number(),
            '"' => {
                self.pos += 1;
                let body = self.quoted(start, b'"')?;
                Tok::Str { body, raw: false }
            }
            '\'' => {
                self.pos += 1;
                Tok::Char(self.char_body(start)?)
            }
            'r' if matches!(self.peek_byte_at(1), Some(b'"' | b'#')) && self.raw_ahead(1) => {
                self.pos += 1;
                let body = self.raw(start)?;
                Tok::Str { body, raw: true }
            }
            'b' if self.peek_byte_at(1) == Some(b'"') => {
                self.pos += 2;
                let body = self.quoted(start, b'"')?;
                Tok::ByteStr { body, raw: false }
            }
            'b' if self.peek_byte_at(1) == Some(b'\'') => {
                self.pos += 2;
                Tok::Byte(self.char_body(start)?)
            }
            'b' if self.peek_byte_at(1) == Some(b'r') && self.raw_ahead(2) => {
                self.pos += 2;
                let body = self.raw(start)?;
                Tok::ByteStr { body, raw: true }
            }
            'r' if self.peek_byte_at(1) == Some(b'#')
                && self.rest().get(2..).and_then(|s| s.chars().next()).is_some_and(is_ident_start) =>
            {
                self.pos += 2;
                Tok::Ident(self.ident())
            }
            c if is_ident_start(c) => Tok::Ident(self.ident()),
            ':' if self.peek_byte_at(1) == Some(b':') => {
                self.pos += 2;
                Tok::PathSep
            }
            c if c.is_ascii_punctuation() => {
                self.pos += 1;
                Tok::Punct(c as u8)
            }
            other => {
                return Err(ReadError::syntax(start, "a Rust token", format!("`{other}`")));
            }
        };
        Ok(Token { tok, start, end: self.pos })
    }

    /// Whether `r`/`br` at `offset - 1` starts a raw string: `#`s then `"`.
    fn raw_ahead(&self, offset: usize) -> bool {
        let bytes = self.src.as_bytes();
        let mut i = self.pos + offset;
        while bytes.get(i) == Some(&b'#') {
            i += 1;
        }
        bytes.get(i) == Some(&b'"')
    }

    fn ident(&mut self) -> &'de str {
        let rest = self.rest();
        // ASCII names a byte at a time; the rest of a name with other
        // characters by Unicode's rules
        let ascii = rest.bytes().take_while(|&b| b == b'_' || b.is_ascii_alphanumeric()).count();
        let len = match rest.as_bytes().get(ascii) {
            Some(&b) if b >= 0x80 => rest
                .get(ascii..)
                .and_then(|tail| tail.char_indices().find(|&(_, c)| !is_ident_continue(c)))
                .map_or(rest.len(), |(i, _)| ascii + i),
            _ => ascii,
        };
        self.pos += len;
        rest.get(..len).unwrap_or("")
    }

    fn number(&mut self) -> Tok<'de> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let mut i = self.pos;
        let mut float = false;
        if at(i) == b'0' && matches!(at(i + 1), b'x' | b'o' | b'b') {
            i += 2;
            while at(i).is_ascii_hexdigit() || at(i) == b'_' {
                i += 1;
            }
        } else {
            while at(i).is_ascii_digit() || at(i) == b'_' {
                i += 1;
            }
            if at(i) == b'.' && at(i + 1).is_ascii_digit() {
                float = true;
                i += 1;
                while at(i).is_ascii_digit() || at(i) == b'_' {
                    i += 1;
                }
            } else if at(i) == b'.'
                && at(i + 1) != b'.'
                && !(at(i + 1) == b'_' || at(i + 1).is_ascii_alphabetic() || at(i + 1) >= 0x80)
            {
                // `1.` is a float; `1.into()` and `1..2` are not.
                i += 1;
                self.pos = i;
                return Tok::Float(self.src.get(start..i).unwrap_or(""));
            }
            if matches!(at(i), b'e' | b'E') {
                let mut j = i + 1;
                if matches!(at(j), b'+' | b'-') {
                    j += 1;
                }
                while at(j) == b'_' {
                    j += 1;
                }
                if at(j).is_ascii_digit() {
                    float = true;
                    i = j;
                    while at(i).is_ascii_digit() || at(i) == b'_' {
                        i += 1;
                    }
                }
            }
        }
        // The suffix, if any.
        self.pos = i;
        let suffix = self.ident();
        if matches!(suffix, "f32" | "f64") {
            float = true;
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        if float { Tok::Float(text) } else { Tok::Int(text) }
    }

    /// The body of a `"`-quoted literal; `self.pos` is past the quote.
    fn quoted(&mut self, start: usize, quote: u8) -> Result<&'de str, ReadError> {
        let bytes = self.src.as_bytes();
        let body_start = self.pos;
        let mut i = self.pos;
        loop {
            match bytes.get(i) {
                Some(b'\\') => i += 2,
                Some(&b) if b == quote => break,
                Some(_) => i += 1,
                None => {
                    return Err(ReadError::syntax(start, "a closing `\"` for this string", "end of input"));
                }
            }
        }
        self.pos = i + 1;
        Ok(self.src.get(body_start..i).unwrap_or(""))
    }

    /// The body of a char or byte literal; `self.pos` is past the quote.
    fn char_body(&mut self, start: usize) -> Result<&'de str, ReadError> {
        let rest = self.rest();
        let body_len = if let Some(escaped) = rest.strip_prefix('\\') {
            match escaped.chars().next() {
                Some('u') => escaped.find('}').map(|i| i + 2),
                Some('x') => Some(4),
                Some(c) => Some(1 + c.len_utf8()),
                None => None,
            }
        } else {
            rest.chars().next().filter(|&c| c != '\'' && c != '\n').map(char::len_utf8)
        };
        match body_len {
            Some(len) if rest.as_bytes().get(len) == Some(&b'\'') => {
                self.pos += len + 1;
                Ok(rest.get(..len).unwrap_or(""))
            }
            _ => Err(ReadError::syntax(
                start,
                "a character literal like `'a'` or `'\\n'`",
                format!("`{}`", self.src.get(start..).unwrap_or("").chars().take(6).collect::<String>()),
            )),
        }
    }

    /// The body of a raw string; `self.pos` is at the first `#` or `"`.
    fn raw(&mut self, start: usize) -> Result<&'de str, ReadError> {
        let rest = self.rest();
        let hashes = rest.bytes().take_while(|&b| b == b'#').count();
        let body_start = self.pos + hashes + 1;
        let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
        let body = self.src.get(body_start..).unwrap_or("");
        match body.find(&closing) {
            Some(len) => {
                self.pos = body_start + len + closing.len();
                Ok(body.get(..len).unwrap_or(""))
            }
            None => {
                Err(ReadError::syntax(start, format!("`{closing}` closing this raw string"), "end of input"))
            }
        }
    }
}

/// Decodes the escapes of a string, char (`bytes == false`) or byte
/// (`bytes == true`) literal body. `offset` is the body's position in the text.
pub(crate) fn unescape(body: &str, offset: usize, bytes: bool) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            if bytes && !c.is_ascii() {
                return Err(ReadError::syntax(
                    offset + i,
                    "ASCII in a byte literal (or an escape like `\\xff`)",
                    format!("`{c}`"),
                ));
            }
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let bad = |found: &str| {
            ReadError::syntax(
                offset + i,
                if bytes {
                    "an escape: `\\n`, `\\r`, `\\t`, `\\\\`, `\\0`, `\\'`, `\\\"` or `\\xHH`"
                } else {
                    "an escape: `\\n`, `\\r`, `\\t`, `\\\\`, `\\0`, `\\'`, `\\\"`, `\\x00`..`\\x7f` or `\\u{...}`"
                },
                format!("`\\{found}`"),
            )
        };
        let Some((_, e)) = chars.next() else {
            return Err(bad(""));
        };
        match e {
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            '\\' => out.push(b'\\'),
            '0' => out.push(0),
            '\'' => out.push(b'\''),
            '"' => out.push(b'"'),
            'x' => {
                let hex: String = (0..2).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
                // two hex digits: no sign, no space (`from_str_radix` takes a `+`)
                if hex.len() != 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad(&format!("x{hex}")));
                }
                let value = u8::from_str_radix(&hex, 16).map_err(|_| bad(&format!("x{hex}")))?;
                if !bytes && value > 0x7f {
                    return Err(bad(&format!("x{hex}")));
                }
                out.push(value);
            }
            'u' if !bytes => {
                let mut code = String::new();
                if chars.next().map(|(_, c)| c) != Some('{') {
                    return Err(bad("u"));
                }
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, c)) if code.len() < 32 => code.push(c),
                        _ => return Err(bad(&format!("u{{{code}"))),
                    }
                }
                let value = unicode_escape(&code).ok_or_else(|| bad(&format!("u{{{code}}}")))?;
                let mut buf = [0; 4];
                out.extend_from_slice(value.encode_utf8(&mut buf).as_bytes());
            }
            '\n' => {
                // A line continuation: the newline and the next line's
                // leading whitespace are dropped.
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
            }
            '\r' if chars.peek().map(|&(_, c)| c) == Some('\n') => {
                chars.next();
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
            }
            other => return Err(bad(&other.to_string())),
        }
    }
    Ok(out)
}

/// The character of a `\u{..}` escape's `code`, if it is spelled as the
/// Rust reference has it: 1 to 6 hex digits, the first a digit, `_`s after
/// it, and a Unicode scalar value.
fn unicode_escape(code: &str) -> Option<char> {
    let digits = code.bytes().filter(|&b| b != b'_').count();
    let well_formed = code.starts_with(|c: char| c.is_ascii_hexdigit())
        && code.bytes().all(|b| b == b'_' || b.is_ascii_hexdigit())
        && (1..=6).contains(&digits);
    if !well_formed {
        return None;
    }
    u32::from_str_radix(&code.replace('_', ""), 16).ok().and_then(char::from_u32)
}

/// An integer literal's value and suffix.
pub(crate) fn int_literal(text: &str) -> Result<(u128, &str), String> {
    // the common case: plain decimal digits that fit in a u64
    if (1..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        let value = text.bytes().fold(0u64, |value, b| value * 10 + u64::from(b - b'0'));
        return Ok((u128::from(value), ""));
    }
    let (radix, digits) = match text.get(..2) {
        Some("0x") => (16, text.get(2..).unwrap_or("")),
        Some("0o") => (8, text.get(2..).unwrap_or("")),
        Some("0b") => (2, text.get(2..).unwrap_or("")),
        _ => (10, text),
    };
    let end = digits
        .char_indices()
        .find(|&(_, c)| !(c == '_' || c.is_digit(radix)))
        .map_or(digits.len(), |(i, _)| i);
    let (digits, suffix) = digits.split_at(end);
    if radix != 16 && suffix.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("digits of base {radix}"));
    }
    let mut value: u128 = 0;
    let mut any = false;
    for c in digits.chars() {
        if let Some(d) = c.to_digit(radix) {
            any = true;
            value = value
                .checked_mul(u128::from(radix))
                .and_then(|v| v.checked_add(u128::from(d)))
                .ok_or_else(|| "an integer below 2^128".to_owned())?;
        }
    }
    if !any {
        return Err("digits".to_owned());
    }
    match suffix {
        "" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => Ok((value, suffix)),
        _ => Err("an integer suffix like `u8` or `i64`".to_owned()),
    }
}

/// A float literal's digits (without `_` and suffix) and suffix.
pub(crate) fn float_literal(text: &str) -> (String, &str) {
    let (number, suffix) = match text.strip_suffix("f32") {
        Some(number) => (number, "f32"),
        None => match text.strip_suffix("f64") {
            Some(number) => (number, "f64"),
            None => (text, ""),
        },
    };
    (number.replace('_', ""), suffix)
}
