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
//! and one table, `<crate>__exports`, listing each name with the
//! `std::any::type_name` of both shims' `fn` pointer types, which the host
//! compares with the type it asks for.

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
    build(unraw(&sig.ident), lifetimes, &args, output(&sig.output), format!("super::{}", sig.ident))
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
    build(unraw(ident), Vec::new(), &args, output(&pointer.output), format!("(super::{ident})"))
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
    (!has_impl).then_some(Export { name, lifetimes, args, ret, callee })
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
            "            (\"{name}\", ::core::any::type_name::<{}>(), ::core::any::type_name::<{}>()),\n",
            self.pointer_type(&ret),
            self.pointer_type(&try_ret),
        );
        (shims, row)
    }
}

/// The symbol of the plain shim of `name` in the library of crate `krate`.
pub(crate) fn plain_symbol(krate: &str, name: &str) -> String {
    format!("{krate}__fn__{name}")
}

/// The symbol of the catching shim of `name`.
pub(crate) fn try_symbol(krate: &str, name: &str) -> String {
    format!("{krate}__try__{name}")
}

/// The symbol of the export table.
pub(crate) fn table_symbol(krate: &str) -> String {
    format!("{krate}__exports")
}

/// The type of the export table function: `(name, plain signature, catching
/// signature)` for each export.
pub(crate) type Table = fn() -> &'static [(&'static str, &'static str, &'static str)];

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
    pub extern \"Rust\" fn {}() -> &'static [(&'static str, &'static str, &'static str)] {{
        static TABLE: ::std::sync::OnceLock<::std::vec::Vec<(&'static str, &'static str, &'static str)>> =
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

    #[test]
    fn a_syntax_error_says_where() {
        let error = find("pub fn f()\n    -> {}").unwrap_err();
        assert!(matches!(error, Error::Syntax { line: 2, .. }), "{error:?}");
    }
}
