//! An item's source text: sliced from its file when that is exactly the
//! item, its printed tokens otherwise.
//!
//! `Span::source_text` covers one token tree only, and joining the trees'
//! texts loses the comments between them. So the text is cut from the file,
//! from the first token's start to the last token's end (`Span::local_file`,
//! `line`, `column`: stable since Rust 1.88). Two things can make that slice
//! wrong: an item produced by a `macro_rules!` expansion, whose spans point
//! into the macro, and the `#[source]` attribute itself, which sits inside
//! the slice when other attributes come before it. The attribute is cut out,
//! and the slice is used only if it tokenizes to exactly the item's tokens.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use proc_macro::{Span, TokenStream, TokenTree};

/// What was found for one item.
pub(crate) struct Captured {
    pub(crate) text: String,
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
    /// `true` when `text` is the exact source; `false` for printed tokens.
    pub(crate) exact: bool,
}

pub(crate) fn capture(item: &TokenStream) -> Captured {
    let trees: Vec<TokenTree> = item.clone().into_iter().collect();
    let first = trees.first().map_or_else(Span::call_site, TokenTree::span);
    let line = u32::try_from(first.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(first.column()).unwrap_or(u32::MAX);
    let file = first.file();
    match exact_text(&trees, item) {
        Some(text) => Captured { text, file, line, column, exact: true },
        None => Captured { text: item.to_string(), file, line, column, exact: false },
    }
}

fn exact_text(trees: &[TokenTree], item: &TokenStream) -> Option<String> {
    let first = trees.first()?.span();
    let path = first.local_file()?;
    let source = read_cached(&path)?;
    let lines = LineStarts::new(&source);
    // each top-level tree's byte range in the file
    let ranges: Vec<(usize, usize)> = trees
        .iter()
        .map(|tree| {
            let span = tree.span();
            let start = lines.offset(&source, span.start().line(), span.start().column())?;
            let end = lines.offset(&source, span.end().line(), span.end().column())?;
            (start <= end).then_some((start, end))
        })
        .collect::<Option<_>>()?;
    let (start, _) = *ranges.first()?;
    let (_, end) = *ranges.last()?;
    if ranges.iter().any(|&(s, e)| s < start || e > end) {
        return None; // the trees are not in file order: not the item's own text
    }
    let mut text = String::new();
    let (mut at, mut token_end) = (start, start);
    for &(token_start, end) in &ranges {
        if token_start < token_end {
            // a doc comment is two trees (`#` and `[doc = ".."]`) with one span
            token_end = token_end.max(end);
            continue;
        }
        text.push_str(source.get(at..token_end)?);
        text.push_str(&without_attribute(source.get(token_end..token_start)?));
        (at, token_end) = (token_start, end);
    }
    text.push_str(source.get(at..end)?);
    let reparsed: TokenStream = text.parse().ok()?;
    same_tokens(reparsed, item.clone()).then_some(text)
}

/// Whether two token streams are the same tokens. Compared tree by tree, not
/// as printed text: tokens that passed through a `macro_rules!` matcher
/// print with other spacing than the same tokens parsed from text.
fn same_tokens(a: TokenStream, b: TokenStream) -> bool {
    let (mut a, mut b) = (a.into_iter(), b.into_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(TokenTree::Group(x)), Some(TokenTree::Group(y))) => {
                if x.delimiter() != y.delimiter() || !same_tokens(x.stream(), y.stream()) {
                    return false;
                }
            }
            (Some(TokenTree::Punct(x)), Some(TokenTree::Punct(y))) => {
                if x.as_char() != y.as_char() {
                    return false;
                }
            }
            (Some(TokenTree::Ident(x)), Some(TokenTree::Ident(y))) => {
                if x.to_string() != y.to_string() {
                    return false;
                }
            }
            (Some(TokenTree::Literal(x)), Some(TokenTree::Literal(y))) => {
                if x.to_string() != y.to_string() {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The whitespace (and comments) between two tokens, with an attribute
/// `#[...]` found there removed: that is the capturing attribute, the one
/// attribute rustc takes out of the item's tokens. When the attribute has a
/// line to itself, the whole line goes.
fn without_attribute(gap: &str) -> String {
    let Some(hash) = find_outside_comments(gap, '#') else {
        return gap.to_owned();
    };
    let Some(close) = matching_bracket(gap, hash) else {
        return gap.to_owned();
    };
    let before = &gap[..hash];
    let after = &gap[close + 1..];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let own_line = before[line_start..].trim().is_empty()
        && after.split('\n').next().is_some_and(|rest| rest.trim().is_empty())
        && after.contains('\n');
    if own_line {
        let newline = after.find('\n').map_or(after.len(), |i| i + 1);
        format!("{}{}", &before[..line_start], &after[newline..])
    } else {
        format!("{}{}", before, after.trim_start_matches([' ', '\t']))
    }
}

fn find_outside_comments(text: &str, wanted: char) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"//") {
            i += text[i..].find('\n').unwrap_or(text.len() - i);
        } else if bytes[i..].starts_with(b"/*") {
            i += text[i..].find("*/").map_or(text.len() - i, |end| end + 2);
        } else if bytes[i] == wanted as u8 {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
}

fn matching_bracket(text: &str, hash: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[hash..].char_indices().skip(1) {
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(hash + i);
                }
            }
            c if c.is_whitespace() && depth == 0 => {}
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Byte offsets of line starts, to turn rustc's (line, column) into offsets.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self(starts)
    }

    /// `line` and `column` are 1-based; the column counts characters.
    fn offset(&self, source: &str, line: usize, column: usize) -> Option<usize> {
        let start = *self.0.get(line.checked_sub(1)?)?;
        let rest = source.get(start..)?;
        let chars = column.checked_sub(1)?;
        match rest.char_indices().nth(chars) {
            Some((i, _)) => Some(start + i),
            None if rest.chars().count() == chars => Some(source.len()),
            None => None,
        }
    }
}

thread_local! {
    /// Files read during this expansion run: one read per file, not per item.
    static FILES: RefCell<HashMap<PathBuf, Option<Rc<str>>>> = RefCell::new(HashMap::new());
}

fn read_cached(path: &Path) -> Option<Rc<str>> {
    FILES.with(|files| {
        files
            .borrow_mut()
            .entry(path.to_owned())
            .or_insert_with(|| std::fs::read_to_string(path).ok().map(Rc::from))
            .clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attribute_on_its_own_line_goes_with_its_line() {
        assert_eq!(without_attribute("\n#[brine::source]\n"), "\n");
        assert_eq!(without_attribute("\n    #[source]\n    "), "\n    ");
    }

    #[test]
    fn an_attribute_sharing_a_line_goes_alone() {
        assert_eq!(without_attribute(" #[brine::source] "), " ");
    }

    #[test]
    fn comments_are_not_attributes() {
        assert_eq!(without_attribute("\n// #[x]\n"), "\n// #[x]\n");
        assert_eq!(without_attribute("\n/* # */ #[source]\n"), "\n/* # */ \n");
    }

    #[test]
    fn offsets_count_characters() {
        let source = "ab\nçd\n";
        let lines = LineStarts::new(source);
        assert_eq!(lines.offset(source, 1, 1), Some(0));
        assert_eq!(lines.offset(source, 2, 2), Some(5));
        assert_eq!(lines.offset(source, 3, 1), Some(source.len()));
        assert_eq!(lines.offset(source, 4, 1), None);
    }
}
