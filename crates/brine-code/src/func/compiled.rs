//! Functions compiled from the source stored with them, for a load that
//! opted in with [`Trust::Compile`](brine_io::Trust::Compile).
//!
//! Invariants:
//!
//! - One library per stored function *source*, not per value: a closure is
//!   compiled once with its captured values as the parameters of a maker
//!   (`__brine_make(captures: &[u8])`), and each `Func` loaded from it binds
//!   its own values by calling the maker. A hundred closures of one source
//!   with a hundred captured values run rustc at most once; a source built
//!   before (in this process, or in the private cache of [`Compiler`]) runs
//!   none.
//! - What a compiled library hands back is checked before it is called: the
//!   maker is taken with [`Module::get`](crate::Module::get) (its signature
//!   checked), and the callable it makes is an `Arc<F>` behind `dyn Any`,
//!   downcast to the `Func` type the load asked for (a `TypeId` check);
//!   another type is [`Error::WrongType`].
//! - Libraries are never unloaded (see [`Module`](crate::Module)): a `Func`
//!   compiled here, and every clone of it, can be called for the life of
//!   the process.
//! - The stored source is compiled alone, against `std`: the fn item (with
//!   the items its `#[function(uses(..))]` shipped after it) or the closure.
//!   Other items of the crate it came from are not there; rustc's error
//!   names them, and brine's error names the function's id.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError, RwLock};

use super::Error;
use super::captured::{self, Shape};
use crate::Compiler;

/// What a compiled library's maker returns: the callable as
/// `Box<Arc<dyn Fn..>>` behind `Any`, or why the captured values did not
/// decode.
pub(crate) type Maker = fn(&[u8]) -> Result<Box<dyn Any + Send + Sync>, String>;

/// A function compiled from its stored source; made once per source and
/// kept for the life of the process, as its library is.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) id: &'static str,
    pub(crate) signature: &'static str,
    pub(crate) source: &'static str,
    pub(crate) source_hash: u64,
    pub(crate) captures: &'static str,
    /// The shape of the tuple of captured values (`Unit` for a fn item).
    pub(crate) shape: Shape,
    pub(crate) maker: Maker,
}

/// The compiler functions are built with; see [`set_compiler`].
fn compiler_slot() -> &'static RwLock<Option<Compiler>> {
    static COMPILER: OnceLock<RwLock<Option<Compiler>>> = OnceLock::new();
    COMPILER.get_or_init(RwLock::default)
}

/// Sets the [`Compiler`] that a load with
/// [`Trust::Compile`](brine_io::Trust::Compile) builds functions with, for
/// the rest of the process (default: [`Compiler::new`], so rustc from
/// `$RUSTC` or `PATH`, the [default cache](crate::default_cache_dir), `-C
/// opt-level=2`). Functions this process has already compiled are kept,
/// whatever compiler built them.
///
/// ```
/// # let cache = tempfile::tempdir()?;
/// let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
/// brine_code::func::set_compiler(compiler);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn set_compiler(compiler: Compiler) {
    *compiler_slot().write().unwrap_or_else(PoisonError::into_inner) = Some(compiler);
}

fn compiler() -> Compiler {
    compiler_slot().read().unwrap_or_else(PoisonError::into_inner).clone().unwrap_or_default()
}

/// What a stored function is, as read from the payload.
pub(crate) struct Stored<'a> {
    pub(crate) id: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) source_hash: u64,
    pub(crate) source: Option<&'a str>,
    pub(crate) captures: &'a str,
}

type Key = (String, String, String, u64);

/// The compiled function for `stored`: from this process's table, else
/// built (or taken from the cache) and loaded.
pub(crate) fn resolve(stored: &Stored<'_>) -> Result<&'static Compiled, Error> {
    static TABLE: OnceLock<Mutex<HashMap<Key, &'static Compiled>>> = OnceLock::new();
    let id = stored.id;
    let source = stored.source.ok_or_else(|| Error::NoSource { id: id.to_owned() })?;
    let key =
        (id.to_owned(), stored.signature.to_owned(), stored.captures.to_owned(), super::source_hash(source));
    let table = TABLE.get_or_init(Mutex::default);
    if let Some(compiled) = table.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Ok(compiled);
    }
    // built outside the lock: another thread building another function need not wait
    let compiled = build(stored, source)?;
    let mut table = table.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(*table.entry(key).or_insert_with(|| Box::leak(Box::new(compiled))))
}

fn build(stored: &Stored<'_>, source: &str) -> Result<Compiled, Error> {
    let id = stored.id;
    let unsupported = |what: String| Error::Unsupported { id: id.to_owned(), what };
    let (names, types, shape) = captured::parse_declared(stored.captures).map_err(unsupported)?;
    let signature = Signature::parse(stored.signature).map_err(unsupported)?;
    // a fn item's source (with the items it uses) parses as items; a
    // closure's (`[..] |..| ..`) never does
    let body = match syn::parse_str::<syn::File>(source) {
        Ok(file) if stored.captures.is_empty() => Body::Item(item_name(&file, id).map_err(unsupported)?),
        _ => Body::Closure(closure_text(source).map_err(unsupported)?),
    };
    let library = library_source(source, &signature, &names, &types, &body);
    let compiler = compiler();
    let module = compiler.compile(&library).map_err(|error| match error {
        crate::Error::Compile { diagnostics, .. } => Error::CompileFailed { id: id.to_owned(), diagnostics },
        crate::Error::RustcNotFound { .. } | crate::Error::RustcMismatch { .. } => {
            Error::NoCompiler { id: id.to_owned(), reason: error.to_string() }
        }
        other => Error::Build { id: id.to_owned(), reason: other.to_string() },
    })?;
    let maker = module
        .get::<Maker>("__brine_make")
        .map_err(|error| Error::Build { id: id.to_owned(), reason: error.to_string() })?;
    let leak = |text: &str| -> &'static str { Box::leak(text.to_owned().into_boxed_str()) };
    Ok(Compiled {
        id: leak(id),
        signature: leak(stored.signature),
        source: leak(source),
        source_hash: stored.source_hash,
        captures: leak(stored.captures),
        shape,
        maker,
    })
}

/// What the library makes its callable from.
enum Body {
    /// A fn item, by name.
    Item(String),
    /// A closure, as an expression (`move` added).
    Closure(String),
}

/// A stored signature `fn(A, B) -> R`, parsed.
struct Signature {
    /// `dyn for<'a> Fn(A, B) -> R + Send + Sync`, spelled with paths that
    /// survive shadowing.
    dyn_type: String,
    /// The argument types, and ` -> R` (empty for `()`), when a closure can
    /// spell them (no named lifetime, no reference in the result): then
    /// the callable is wrapped so that a panic aborts with its message.
    guardable: Option<(Vec<String>, String)>,
}

impl Signature {
    fn parse(text: &str) -> Result<Signature, String> {
        let pointer: syn::TypeBareFn = syn::parse_str(text)
            .map_err(|error| format!("its signature `{text}` does not parse: {error}"))?;
        let mut lifetimes = Vec::new();
        named_lifetimes(quote::ToTokens::to_token_stream(&pointer), &mut lifetimes);
        let binder =
            if lifetimes.is_empty() { String::new() } else { format!("for<{}> ", lifetimes.join(", ")) };
        let args: Vec<String> =
            pointer.inputs.iter().map(|arg| quote::ToTokens::to_token_stream(&arg.ty).to_string()).collect();
        let ret = match &pointer.output {
            syn::ReturnType::Default => String::new(),
            syn::ReturnType::Type(_, ty) => format!(" -> {}", quote::ToTokens::to_token_stream(ty)),
        };
        let dyn_type = format!(
            "dyn {binder}::core::ops::Fn({}){ret} + ::core::marker::Send + ::core::marker::Sync",
            args.join(", ")
        );
        let guardable =
            (lifetimes.is_empty() && !ret.contains('&') && !ret.contains('\'')).then_some((args, ret));
        Ok(Signature { dyn_type, guardable })
    }
}

/// The lifetimes other than `'static` and `'_` that `tokens` name, once each.
fn named_lifetimes(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    let mut tokens = tokens.into_iter();
    while let Some(tree) = tokens.next() {
        match tree {
            proc_macro2::TokenTree::Group(group) => named_lifetimes(group.stream(), out),
            proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '\'' => {
                if let Some(proc_macro2::TokenTree::Ident(ident)) = tokens.next() {
                    let name = format!("'{ident}");
                    if ident != "static" && ident != "_" && !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The fn the stored items are for: the one named as the id ends, or the
/// only fn there is.
fn item_name(file: &syn::File, id: &str) -> Result<String, String> {
    let name = id.rsplit("::").next().unwrap_or(id);
    let fns: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(item) => Some(item.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    match fns.as_slice() {
        _ if fns.iter().any(|found| found.trim_start_matches("r#") == name) => Ok(name.to_owned()),
        [only] => Ok(only.clone()),
        _ => Err(format!("its stored source holds no fn named `{name}`")),
    }
}

/// The closure of a stored `func!` input (`[captures] |args| -> R { .. }`),
/// without its capture list, made `move`.
fn closure_text(source: &str) -> Result<String, String> {
    let tokens: proc_macro2::TokenStream =
        source.parse().map_err(|error| format!("its stored source does not tokenize: {error}"))?;
    let mut trees = tokens.into_iter().peekable();
    if let Some(proc_macro2::TokenTree::Group(group)) = trees.peek()
        && group.delimiter() == proc_macro2::Delimiter::Bracket
    {
        trees.next();
    }
    let rest: proc_macro2::TokenStream = trees.collect();
    let mut closure: syn::ExprClosure =
        syn::parse2(rest).map_err(|error| format!("its stored source is not a closure: {error}"))?;
    closure.capture = Some(syn::Token![move](proc_macro2::Span::call_site()));
    Ok(quote::ToTokens::to_token_stream(&closure).to_string())
}

/// The library: the stored source, the decoder of captured values, and the
/// maker.
fn library_source(
    source: &str,
    signature: &Signature,
    names: &[String],
    types: &[String],
    body: &Body,
) -> String {
    let dyn_type = &signature.dyn_type;
    let (item, bind, inner) = match body {
        Body::Item(name) => (source, String::new(), name.clone()),
        Body::Closure(closure) => {
            let bind = format!(
                "let ({},): ({},) = __brine_decode::Decode::decode(&mut __brine_reader)?;",
                names.join(", "),
                types.join(", ")
            );
            ("", if names.is_empty() { String::new() } else { bind }, closure.clone())
        }
    };
    // a panic cannot unwind out of the library (it has its own std): say so, and abort
    let call = match &signature.guardable {
        Some((args, ret)) => {
            let params: Vec<String> =
                args.iter().enumerate().map(|(i, ty)| format!("__brine_arg{i}: {ty}")).collect();
            let names: Vec<String> = (0..args.len()).map(|i| format!("__brine_arg{i}")).collect();
            format!(
                "{{
        let __brine_inner = {inner};
        move |{}|{ret} {{
            let __brine_inner = &__brine_inner;
            __brine_guard(move || __brine_inner({}))
        }}
    }}",
                params.join(", "),
                names.join(", ")
            )
        }
        None => inner,
    };
    format!(
        "#![allow(unused_imports, dead_code, unused_variables, unused_mut)]
#[allow(unused_imports)]
use ::std::collections::*;

{item}
{decoder}
fn __brine_guard<R>(call: impl ::core::ops::FnOnce() -> R) -> R {{
    match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(call)) {{
        ::core::result::Result::Ok(value) => value,
        ::core::result::Result::Err(payload) => {{
            let message = if let ::core::option::Option::Some(text) = payload.downcast_ref::<&str>() {{
                (*text).to_owned()
            }} else if let ::core::option::Option::Some(text) = payload.downcast_ref::<::std::string::String>() {{
                text.clone()
            }} else {{
                ::std::string::String::from(\"a panic with a payload that is not a string\")
            }};
            ::std::eprintln!(
                \"brine: a function compiled from its stored source panicked: {{message}}; aborting (a panic \\
                 cannot unwind out of a library with its own copy of std)\"
            );
            ::std::process::abort()
        }}
    }}
}}

pub fn __brine_make(
    __brine_captures: &[u8],
) -> ::core::result::Result<::std::boxed::Box<dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync>, ::std::string::String> {{
    let mut __brine_reader = __brine_decode::Reader(__brine_captures);
    {bind}
    __brine_reader.finish()?;
    let __brine_call: ::std::sync::Arc<{dyn_type}> = ::std::sync::Arc::new({call});
    ::core::result::Result::Ok(::std::boxed::Box::new(__brine_call))
}}
",
        decoder = captured::DECODER,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_becomes_its_dyn_fn_type() {
        let plain = Signature::parse("fn(i64, i64) -> i64").unwrap();
        assert_eq!(
            plain.dyn_type,
            "dyn ::core::ops::Fn(i64, i64) -> i64 + ::core::marker::Send + ::core::marker::Sync"
        );
        let named = Signature::parse("fn(&'a str) -> &'a str").unwrap();
        assert!(named.dyn_type.starts_with("dyn for<'a> ::core::ops::Fn("), "{}", named.dyn_type);
        assert!(Signature::parse("fn(").is_err());
    }

    #[test]
    fn a_closure_loses_its_capture_list_and_becomes_move() {
        let text = closure_text("[factor: i64 = 2 * x] |x: i64| -> i64 { x * factor }").unwrap();
        assert_eq!(text, "move | x : i64 | -> i64 { x * factor }");
    }
}
