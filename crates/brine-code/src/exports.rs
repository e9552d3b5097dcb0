//! Finding a source's exported functions and writing their shims.
//!
//! For every exported function `name`, the library gets two `#[no_mangle]`
//! functions with the Rust calling convention (the host and the library are
//! built by the same compiler, which [`Compiler`](super::Compiler) checks):
//!
//! - `<crate>__fn__<name>`, with the function's own signature, so that the
//!   host can use its address as a plain `fn` pointer; a panic is caught,
//!   and aborts the process instead of unwinding into the host;
//! - `<crate>__try__<name>`, returning `Result<R, String>`: a panic comes
//!   back as `Err(message)`, and the library's panic hook does not print it.
//!
//! A name that is not ASCII (`größe`) cannot name a `#[no_mangle]` item
//! (E0754): its shims are `<crate>__fnx__<hex>` and `<crate>__tryx__<hex>`,
//! with the name's UTF-8 bytes in hex; the name the user sees stays as
//! written.
//!
//! and one table, `<crate>__exports`, listing each name with the
//! `std::any::type_name` of both shims' `fn` pointer types, which the host
//! compares with the type it asks for, and whether that comparison is
//! enough ([`checkable`]): type names print every lifetime but `'static`
//! as `'_`, so a signature that names lifetimes, or whose elided output
//! lifetime may come from more than one input, is served only by the
//! unsafe getters.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use super::Error;

/// One exported function, as written in the source.
#[derive(Debug)]
pub(crate) struct Export {
    name: String,
    /// The lifetime parameters, for `for<'a>` in the pointer type.
    lifetimes: Vec<String>,
    args: Vec<String>,
    ret: Option<String>,
    /// The expression the shim calls: `super::name` or `(super::NAME)`.
    callee: String,
    /// Whether the type names of its pointer types check all of it.
    checkable: bool,
}

/// The exported functions of `source`: every top-level `pub fn` (and `pub`
/// `const`/`static` of a `fn` pointer type) that a plain pointer can call.
pub(crate) fn find(source: &str) -> Result<Vec<Export>, Error> {
    let file = syn::parse_file(source).map_err(|error| {
        let start = error.span().start();
        Error::Syntax { line: start.line, column: start.column + 1, message: error.to_string() }
    })?;
    Ok(file.items.iter().filter_map(export).collect())
}

fn export(item: &syn::Item) -> Option<Export> {
    let public = |vis: &syn::Visibility| matches!(vis, syn::Visibility::Public(_));
    match item {
        syn::Item::Fn(item) if public(&item.vis) => from_signature(&item.sig),
        syn::Item::Const(item) if public(&item.vis) => from_pointer(&item.ident, &item.ty),
        syn::Item::Static(item)
            if public(&item.vis) && matches!(item.mutability, syn::StaticMutability::None) =>
        {
            from_pointer(&item.ident, &item.ty)
        }
        _ => None,
    }
}

fn from_signature(sig: &syn::Signature) -> Option<Export> {
    let plain = sig.asyncness.is_none()
        && sig.unsafety.is_none()
        && sig.abi.is_none()
        && sig.variadic.is_none()
        && sig.generics.where_clause.is_none()
        && sig.generics.params.iter().all(|param| matches!(param, syn::GenericParam::Lifetime(_)));
    if !plain {
        return None;
    }
    let lifetimes = sig.generics.lifetimes().map(|param| param.lifetime.to_string()).collect();
    let args = sig
        .inputs
        .iter()
        .map(|arg| match arg {
            syn::FnArg::Typed(arg) => Some(&*arg.ty),
            syn::FnArg::Receiver(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let ret = output(&sig.output);
    let mut export = build(unraw(&sig.ident), lifetimes, &args, ret, format!("super::{}", sig.ident))?;
    export.checkable = export.lifetimes.is_empty() && checkable(&args, ret);
    Some(export)
}

fn from_pointer(ident: &syn::Ident, ty: &syn::Type) -> Option<Export> {
    let syn::Type::BareFn(pointer) = ty else { return None };
    if pointer.lifetimes.is_some()
        || pointer.unsafety.is_some()
        || pointer.abi.is_some()
        || pointer.variadic.is_some()
    {
        return None;
    }
    let args: Vec<&syn::Type> = pointer.inputs.iter().map(|arg| &arg.ty).collect();
    let ret = output(&pointer.output);
    let mut export = build(unraw(ident), Vec::new(), &args, ret, format!("(super::{ident})"))?;
    export.checkable = checkable(&args, ret);
    Some(export)
}

fn output(ret: &syn::ReturnType) -> Option<&syn::Type> {
    match ret {
        syn::ReturnType::Default => None,
        syn::ReturnType::Type(_, ty) => Some(ty),
    }
}

fn build(
    name: String,
    lifetimes: Vec<String>,
    args: &[&syn::Type],
    ret: Option<&syn::Type>,
    callee: String,
) -> Option<Export> {
    let text = |ty: &syn::Type| ty.to_token_stream().to_string();
    let args: Vec<String> = args.iter().map(|ty| text(ty)).collect();
    let ret = ret.map(text);
    let has_impl = args.iter().chain(&ret).any(|ty| ty.split_whitespace().any(|word| word == "impl"));
    (!has_impl).then_some(Export { name, lifetimes, args, ret, callee, checkable: false })
}

/// Whether `std::any::type_name` tells a pointer type with these argument
/// and return types from every other: when no lifetime is named (but
/// `'static`, which type names print), and an elided lifetime in the output
/// can only come from the one elided lifetime of the inputs. Counted on the
/// tokens, so that lifetimes inside nested types (an argument that is itself
/// a `fn` pointer) count too, which errs towards refusing.
fn checkable(args: &[&syn::Type], ret: Option<&syn::Type>) -> bool {
    let mut inputs = Lifetimes::default();
    for arg in args {
        inputs.count(arg.to_token_stream());
    }
    let mut output = Lifetimes::default();
    if let Some(ret) = ret {
        output.count(ret.to_token_stream());
    }
    !inputs.named && !output.named && (output.elided == 0 || inputs.elided == 1)
}

/// The lifetimes a type's tokens show.
#[derive(Debug, Default)]
struct Lifetimes {
    /// A lifetime with a name other than `'static`.
    named: bool,
    /// References without a lifetime, and `'_`.
    elided: usize,
}

impl Lifetimes {
    fn count(&mut self, tokens: TokenStream) {
        let mut tokens = tokens.into_iter().peekable();
        while let Some(tree) = tokens.next() {
            match tree {
                TokenTree::Group(group) => self.count(group.stream()),
                TokenTree::Punct(punct) if punct.as_char() == '\'' => match tokens.next() {
                    Some(TokenTree::Ident(ident)) if ident == "static" => {}
                    Some(TokenTree::Ident(ident)) if ident == "_" => self.elided += 1,
                    _ => self.named = true,
                },
                TokenTree::Punct(punct) if punct.as_char() == '&' => {
                    let lifetime =
                        matches!(tokens.peek(), Some(TokenTree::Punct(next)) if next.as_char() == '\'');
                    if !lifetime {
                        self.elided += 1;
                    }
                }
                _ => {}
            }
        }
    }
}

fn unraw(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

impl Export {
    /// `fn(A, B) -> R`, with `for<'a>` in front when it has lifetimes.
    fn pointer_type(&self, ret: &str) -> String {
        let for_lifetimes = if self.lifetimes.is_empty() {
            String::new()
        } else {
            format!("for<{}> ", self.lifetimes.join(", "))
        };
        format!("{for_lifetimes}fn({}){ret}", self.args.join(", "))
    }

    fn ret(&self) -> String {
        self.ret.as_ref().map(|ty| format!(" -> {ty}")).unwrap_or_default()
    }

    fn try_ret(&self) -> String {
        let ty = self.ret.as_deref().unwrap_or("()");
        format!(" -> ::core::result::Result<{ty}, ::std::string::String>")
    }

    /// The two shims and this export's row of the table.
    fn shims(&self, krate: &str) -> (String, String) {
        let generics = if self.lifetimes.is_empty() {
            String::new()
        } else {
            format!("<{}>", self.lifetimes.join(", "))
        };
        let params: Vec<String> =
            self.args.iter().enumerate().map(|(i, ty)| format!("__brine_arg{i}: {ty}")).collect();
        let params = params.join(", ");
        let call_args: Vec<String> = (0..self.args.len()).map(|i| format!("__brine_arg{i}")).collect();
        let call = format!("{}({})", self.callee, call_args.join(", "));
        let name = &self.name;
        let (ret, try_ret) = (self.ret(), self.try_ret());
        let plain = plain_symbol(krate, name);
        let caught = try_symbol(krate, name);
        let shims = format!(
            "
    #[unsafe(no_mangle)]
    pub extern \"Rust\" fn {plain}{generics}({params}){ret} {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(move || {call})) {{
            ::core::result::Result::Ok(value) => value,
            ::core::result::Result::Err(payload) => {{
                ::std::eprintln!(
                    \"brine: `{name}` panicked in loaded code: {{}}; aborting (a panic must not unwind \\
                     into the caller; take the function with Module::get_catching to get it as an error)\",
                    __brine_panic_message(&*payload),
                );
                ::std::process::abort()
            }}
        }}
    }}

    #[unsafe(no_mangle)]
    pub extern \"Rust\" fn {caught}{generics}({params}){try_ret} {{
        __brine_catch(move || {call})
    }}
"
        );
        let row = format!(
            "            ({name:?}, ::core::any::type_name::<{}>(), ::core::any::type_name::<{}>(), {}),\n",
            self.pointer_type(&ret),
            self.pointer_type(&try_ret),
            self.checkable,
        );
        (shims, row)
    }
}

/// The symbol of the plain shim of `name` in the library of crate `krate`.
pub(crate) fn plain_symbol(krate: &str, name: &str) -> String {
    symbol(krate, "fn", name)
}

/// The symbol of the catching shim of `name`.
pub(crate) fn try_symbol(krate: &str, name: &str) -> String {
    symbol(krate, "try", name)
}

/// `<crate>__<kind>__<name>`, or for a name that is not ASCII (which
/// `#[no_mangle]` refuses) `<crate>__<kind>x__<hex of its UTF-8>`: the
/// `x` after the kind keeps the two forms from ever meeting.
fn symbol(krate: &str, kind: &str, name: &str) -> String {
    if name.is_ascii() {
        format!("{krate}__{kind}__{name}")
    } else {
        let hex: String = name.bytes().map(|byte| format!("{byte:02x}")).collect();
        format!("{krate}__{kind}x__{hex}")
    }
}

/// The symbol of the export table.
pub(crate) fn table_symbol(krate: &str) -> String {
    format!("{krate}__exports")
}

/// The type of the export table function: `(name, plain signature, catching
/// signature, checkable)` for each export, `checkable` saying whether the
/// signatures' type names check all of them (see [`checkable`]).
pub(crate) type Table = fn() -> &'static [(&'static str, &'static str, &'static str, bool)];

const PRELUDE: &str = "

// -- brine: exports ----------------------------------------------------------
#[doc(hidden)]
#[allow(unused_imports, non_snake_case, clippy::all)]
mod __brine_exports {
    use super::*;

    fn __brine_panic_message(payload: &(dyn ::core::any::Any + ::core::marker::Send)) -> ::std::string::String {
        if let ::core::option::Option::Some(text) = payload.downcast_ref::<&str>() {
            (*text).into()
        } else if let ::core::option::Option::Some(text) = payload.downcast_ref::<::std::string::String>() {
            text.clone()
        } else {
            \"a panic with a payload that is not a string\".into()
        }
    }

    ::std::thread_local! {
        /// Set while a catching shim runs: its panics come back as errors, unprinted.
        static __BRINE_CATCHING: ::core::cell::Cell<bool> = const { ::core::cell::Cell::new(false) };
    }

    /// Runs `body`, a panic returned as its message; the panic hook stays
    /// quiet for it (other panics print as before).
    fn __brine_catch<R>(body: impl ::core::ops::FnOnce() -> R) -> ::core::result::Result<R, ::std::string::String> {
        static HOOK: ::std::sync::Once = ::std::sync::Once::new();
        HOOK.call_once(|| {
            let previous = ::std::panic::take_hook();
            ::std::panic::set_hook(::std::boxed::Box::new(move |info| {
                if !__BRINE_CATCHING.with(::core::cell::Cell::get) {
                    previous(info);
                }
            }));
        });
        let outer = __BRINE_CATCHING.with(|catching| catching.replace(true));
        let result = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(body));
        __BRINE_CATCHING.with(|catching| catching.set(outer));
        result.map_err(|payload| __brine_panic_message(&*payload))
    }
";

/// The shims and the export table, to append to the source.
pub(crate) fn shims(krate: &str, exports: &[Export]) -> String {
    let mut out = String::from(PRELUDE);
    let mut table = String::new();
    for export in exports {
        let (shims, row) = export.shims(krate);
        out.push_str(&shims);
        table.push_str(&row);
    }
    out.push_str(&format!(
        "
    #[unsafe(no_mangle)]
    pub extern \"Rust\" fn {}() -> &'static [(&'static str, &'static str, &'static str, bool)] {{
        static TABLE: ::std::sync::OnceLock<::std::vec::Vec<(&'static str, &'static str, &'static str, bool)>> =
            ::std::sync::OnceLock::new();
        TABLE.get_or_init(|| ::std::vec![
{table}        ])
    }}
}}
",
        table_symbol(krate)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<String> {
        find(source).unwrap().into_iter().map(|export| export.name).collect()
    }

    #[test]
    fn public_plain_functions_and_fn_pointer_constants_are_exported() {
        let source = "
            pub fn add(x: i64, y: i64) -> i64 { x + y }
            fn private() {}
            pub(crate) fn crate_only() {}
            pub fn generic<T>(t: T) -> T { t }
            pub fn bounded(t: impl Copy) {}
            pub async fn later() {}
            pub unsafe fn risky() {}
            pub fn first<'a>(s: &'a str) -> &'a str { s }
            pub const SQUARE: fn(i64) -> i64 = |x| x * x;
            pub static mut COUNTER: fn() = || {};
            pub const LIMIT: usize = 3;
            pub mod inner { pub fn hidden() {} }
            pub fn r#type() {}
        ";
        assert_eq!(names(source), ["add", "first", "SQUARE", "type"]);
    }

    #[test]
    fn signatures_are_written_from_the_parsed_types() {
        let exports = find("pub fn f<'a>(data: &'a [f64], t: f64) -> Vec<&'a f64> { todo!() }").unwrap();
        assert_eq!(
            exports[0].pointer_type(&exports[0].ret()),
            "for<'a> fn(& 'a [f64], f64) -> Vec < & 'a f64 >"
        );
        let exports = find("pub fn g() {}").unwrap();
        assert_eq!(
            exports[0].pointer_type(&exports[0].try_ret()),
            "fn() -> ::core::result::Result<(), ::std::string::String>"
        );
    }

    fn checkable_of(source: &str) -> Vec<(String, bool)> {
        find(source).unwrap().into_iter().map(|export| (export.name, export.checkable)).collect()
    }

    #[test]
    fn only_signatures_whose_lifetimes_type_names_show_are_checkable() {
        let source = "
            pub fn plain(x: i64) -> i64 { x }
            pub fn borrow(s: &str, n: usize) -> &str { &s[n..] }
            pub fn two_in(a: &str, b: &[u8]) -> usize { a.len() + b.len() }
            pub fn forever(s: &'static str) -> &'static str { s }
            pub fn anonymous(s: &'_ str) -> &'_ str { s }
            pub fn nested(s: &&str) -> usize { s.len() }
            pub fn pick<'a, 'b>(a: &'a str, b: &'b str) -> &'b str { b }
            pub fn one<'a>(s: &'a str) -> &'a str { s }
            pub fn hidden(s: Cow<str>) -> &str { todo!() }
            pub fn callback(f: fn(&str) -> &str, s: &str) -> &str { f(s) }
            pub const POINTER: fn(&str) -> &str = |s| s;
            pub const TWO: fn(&str, &str) -> usize = |a, b| a.len() + b.len();
        ";
        let expected = [
            ("plain", true),
            ("borrow", true),
            ("two_in", true),
            ("forever", true),
            ("anonymous", true),
            ("nested", true),
            ("pick", false),
            ("one", false),
            ("hidden", false),
            ("callback", false),
            ("POINTER", true),
            ("TWO", true),
        ];
        let expected: Vec<(String, bool)> =
            expected.iter().map(|(name, ok)| ((*name).to_owned(), *ok)).collect();
        assert_eq!(checkable_of(source), expected);
    }

    #[test]
    fn a_name_that_is_not_ascii_gets_an_ascii_symbol() {
        assert_eq!(plain_symbol("k", "add"), "k__fn__add");
        assert_eq!(try_symbol("k", "add"), "k__try__add");
        assert_eq!(plain_symbol("k", "größe"), "k__fnx__6772c3b6c39f65");
        assert_eq!(try_symbol("k", "größe"), "k__tryx__6772c3b6c39f65");
    }

    #[test]
    fn a_syntax_error_says_where() {
        let error = find("pub fn f()\n    -> {}").unwrap_err();
        assert!(matches!(error, Error::Syntax { line: 2, .. }), "{error:?}");
    }
}
