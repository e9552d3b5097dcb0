//! The proc-macro twin of [brine-code]: `#[source]` keeps an item's source.
//!
//! Use it through `brine_code` (or the `brine` facade), which re-exports the
//! attribute as `brine_code::source` (`brine::source`) and provides
//! `source_of!` to read what was kept:
//!
//! ```
//! /// Squares a number.
//! #[brine_code::source]
//! pub fn square(x: i64) -> i64 {
//!     x * x // the comment is kept too
//! }
//!
//! let code = brine_code::source_of!(square);
//! assert_eq!(code.name(), "square");
//! assert!(code.text().starts_with("/// Squares a number.\npub fn square"));
//! assert!(code.text().contains("// the comment is kept too"));
//! assert_eq!(square(3), 9); // the item itself compiles unchanged
//! ```
//!
//! The attribute leaves the item as it is and adds one hidden constant next
//! to it, `__BRINE_SOURCE_<name>`, a `brine_code::Code` built through
//! brine-code's `#[doc(hidden)] __private` API with named fields (kind, name,
//! text, file, line, column, whether the text is exact, module path). The
//! text is the item's exact source (formatting and comments included) sliced
//! from its file, or, for an item that a `macro_rules!` macro produced, the
//! item's tokens printed.
//!
//! [brine-code]: https://docs.rs/brine-code

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

mod func;
mod text;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::spanned::Spanned;

/// Keeps an item's source text, name, kind, file and line in a hidden
/// constant, read back with `brine_code::source_of!(path::to::item)`.
///
/// Applies to `fn`, `struct`, `enum`, `union`, `trait`, `impl`, `const`,
/// `static`, `type` and inline `mod` items. The item compiles unchanged.
/// An `impl` block is looked up as `source_of!(impl Type)` or
/// `source_of!(impl Trait for Type)`.
///
/// The generated code names the runtime crate as `::brine_code`; when it is
/// reached under another name (a renamed dependency), say which:
/// `#[source(crate = my_brine_code)]`.
///
/// ```
/// #[brine_code::source]
/// struct Point {
///     x: f64, // east
///     y: f64,
/// }
///
/// #[brine_code::source]
/// impl Point {
///     fn norm(&self) -> f64 {
///         self.x.hypot(self.y)
///     }
/// }
///
/// assert_eq!(Point { x: 3.0, y: 4.0 }.norm(), 5.0);
/// let code = brine_code::source_of!(Point);
/// assert_eq!(code.text(), "struct Point {\n    x: f64, // east\n    y: f64,\n}");
/// assert_eq!(brine_code::source_of!(impl Point).name(), "impl Point");
/// ```
#[proc_macro_attribute]
pub fn source(attr: TokenStream, item: TokenStream) -> TokenStream {
    source_in(attr, item, quote!(::brine_code))
}

/// `#[brine::source]`: [`source`](macro@source) for code that reaches
/// brine-code through the `brine` facade, whose generated code names the
/// runtime as `::brine::code` (or the path given with `crate = ..`).
///
/// ```
/// /// Squares a number.
/// #[brine::source]
/// pub fn square(x: i64) -> i64 {
///     x * x
/// }
///
/// assert_eq!(brine::source_of!(square).name(), "square");
/// ```
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __source_in_facade(attr: TokenStream, item: TokenStream) -> TokenStream {
    source_in(attr, item, quote!(::brine::code))
}

fn source_in(attr: TokenStream, item: TokenStream, root: TokenStream2) -> TokenStream {
    match expand_source(attr, item.clone(), root) {
        Ok(expanded) => expanded,
        Err(error) => {
            let mut out: TokenStream = error.to_compile_error().into();
            out.extend(item);
            out
        }
    }
}

/// `crate = path`, the one argument `#[source]` takes.
struct SourceArgs {
    root: Option<syn::Path>,
}

impl syn::parse::Parse for SourceArgs {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(Self { root: None });
        }
        input.parse::<syn::Token![crate]>().map_err(|error| {
            syn::Error::new(error.span(), "`#[source]` takes no arguments but `crate = path::to::brine_code`")
        })?;
        input.parse::<syn::Token![=]>()?;
        let root = input.parse()?;
        Ok(Self { root: Some(root) })
    }
}

/// The `Kind` variant for a keyword, as the runtime's `__private::Kind` names it.
fn kind_variant(word: &str) -> syn::Ident {
    let variant = match word {
        "fn" => "Fn",
        "struct" => "Struct",
        "enum" => "Enum",
        "union" => "Union",
        "trait" => "Trait",
        "impl" => "Impl",
        "const" => "Const",
        "static" => "Static",
        "mod" => "Mod",
        _ => "Type",
    };
    format_ident!("{}", variant)
}

fn expand_source(attr: TokenStream, item: TokenStream, root: TokenStream2) -> syn::Result<TokenStream> {
    let args: SourceArgs = syn::parse(attr)?;
    let root = args.root.map_or(root, |path| quote!(#path));
    let parsed: syn::Item = syn::parse(item.clone())?;
    let (kind, name, hidden, vis) = describe(&parsed)?;
    let text::Captured { text, file, line, column, exact } = text::capture(&item);
    let kind = kind_variant(kind);
    let hidden = format_ident!("__BRINE_SOURCE_{}", hidden);
    let constant = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #hidden: #root::__private::Code = #root::__private::kept(#root::__private::Kept {
            kind: #root::__private::Kind::#kind,
            name: #name,
            text: #text,
            file: #file,
            line: #line,
            column: #column,
            exact: #exact,
            module_path: ::core::module_path!(),
        });
    };
    let mut out = item;
    out.extend(TokenStream::from(constant));
    Ok(out)
}

/// The item's kind, its name as shown, the suffix of its hidden constant,
/// and the visibility that constant gets.
fn describe(item: &syn::Item) -> syn::Result<(&'static str, String, String, TokenStream2)> {
    use syn::Item;
    let named = |kind, ident: &syn::Ident, vis: &syn::Visibility| {
        let name = ident.to_string();
        let name = name.strip_prefix("r#").map(str::to_owned).unwrap_or(name);
        Ok((kind, name.clone(), name, quote!(#vis)))
    };
    match item {
        Item::Fn(item) => named("fn", &item.sig.ident, &item.vis),
        Item::Struct(item) => named("struct", &item.ident, &item.vis),
        Item::Enum(item) => named("enum", &item.ident, &item.vis),
        Item::Union(item) => named("union", &item.ident, &item.vis),
        Item::Trait(item) => named("trait", &item.ident, &item.vis),
        Item::Const(item) => named("const", &item.ident, &item.vis),
        Item::Static(item) => named("static", &item.ident, &item.vis),
        Item::Type(item) => named("type", &item.ident, &item.vis),
        Item::Mod(item) if item.content.is_some() => named("mod", &item.ident, &item.vis),
        Item::Impl(item) => {
            let self_name = last_ident(&item.self_ty).ok_or_else(|| {
                syn::Error::new(
                    item.self_ty.span(),
                    "`#[source]` on an `impl` needs a named type (`impl Name` or `impl Trait for Name`)",
                )
            })?;
            let trait_name = item.trait_.as_ref().map(|(_, path, _)| last_segment(path));
            let name = match &trait_name {
                Some(trait_name) => format!("impl {trait_name} for {self_name}"),
                None => format!("impl {self_name}"),
            };
            Ok(("impl", name, impl_suffix(trait_name.as_deref(), &self_name), quote!(pub(crate))))
        }
        other => Err(syn::Error::new(
            Span::call_site(),
            format!(
                "`#[source]` keeps fn, struct, enum, union, trait, impl, const, static, type and inline mod \
                 items; found {}",
                found(other)
            ),
        )),
    }
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => Some(last_segment(&path.path)),
        _ => None,
    }
}

fn last_segment(path: &syn::Path) -> String {
    path.segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default()
}

/// The hidden constant's suffix for `impl [Trait for] Type`: written by
/// `#[source]`, looked up by `source_of!(impl ...)`.
fn impl_suffix(trait_name: Option<&str>, self_name: &str) -> String {
    match trait_name {
        Some(trait_name) => format!("impl_{trait_name}_for_{self_name}"),
        None => format!("impl_{self_name}"),
    }
}

fn found(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Mod(_) => "a `mod name;` without a body (only inline modules have their source here)",
        syn::Item::Use(_) => "a `use` item",
        syn::Item::Macro(_) => "a macro item",
        syn::Item::ExternCrate(_) => "an `extern crate` item",
        syn::Item::ForeignMod(_) => "an `extern` block",
        syn::Item::TraitAlias(_) => "a trait alias",
        _ => "another kind of item",
    }
}

/// Makes a fn storable inside serde values: `brine_code::func!(name)` then
/// builds a `brine_code::func::Func` of it, which a load that opts in finds
/// again by id in this program's registry.
///
/// The fn keeps its source as with [`source`](macro@source) (so
/// `source_of!(name)` works too), and is registered at link time with its
/// id (`module::path::name`), its signature as written and a hash of its
/// source. It must not be generic (lifetimes are fine), `async`, `unsafe`,
/// a method, or use `impl Trait`. A fn nested in a function body is named
/// by its module's path like any other, so two nested fns of one name in
/// one module share an id (a load refuses it as ambiguous). The generated
/// code names the runtime as `::brine_code` (`crate = path` to change it).
///
/// A fn that calls other items of its crate lists them in `uses(..)`, each
/// marked `#[source]`: their text is stored after the fn's, so that a
/// program compiling it from the stored source (`Trust::Compile`) has them.
///
/// ```
/// #[brine_code::source]
/// fn helper(x: i64) -> i64 { x + 1 }
///
/// #[brine_code::function(uses(helper))]
/// fn caller(x: i64) -> i64 { helper(x) * 2 }
///
/// let f = brine_code::func!(caller);
/// assert_eq!(f(4), 10);
/// assert!(f.source().ends_with("\n\nfn helper(x: i64) -> i64 { x + 1 }"));
/// ```
///
/// ```
/// #[brine_code::function]
/// fn test_function(x: i64, y: i64) -> i64 {
///     x * y + 42
/// }
///
/// let f = brine_code::func!(test_function);
/// assert_eq!(f(5, 3), 57);
/// assert_eq!(f.signature(), "fn(i64, i64) -> i64");
/// ```
#[proc_macro_attribute]
pub fn function(attr: TokenStream, item: TokenStream) -> TokenStream {
    function_in(attr, item, quote!(::brine_code))
}

/// `#[brine::function]`: [`function`](macro@function) for code that reaches
/// brine-code through the `brine` facade (the runtime is `::brine::code`).
///
/// ```
/// #[brine::function]
/// fn square(x: i64) -> i64 {
///     x * x
/// }
///
/// assert_eq!(brine::func!(square)(5), 25);
/// ```
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __function_in_facade(attr: TokenStream, item: TokenStream) -> TokenStream {
    function_in(attr, item, quote!(::brine::code))
}

fn function_in(attr: TokenStream, item: TokenStream, root: TokenStream2) -> TokenStream {
    match func::expand_function(attr, item.clone(), root) {
        Ok(expanded) => expanded,
        Err(error) => {
            let mut out: TokenStream = error.to_compile_error().into();
            out.extend(item);
            out
        }
    }
}

/// The hidden half of `brine_code::func!`: `__func!($crate; input)`.
#[doc(hidden)]
#[proc_macro]
pub fn __func(input: TokenStream) -> TokenStream {
    match func::expand_func(input) {
        Ok(expanded) => expanded.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// The hidden half of `brine_code::source_of!`: `__source_of!(path)` turns
/// `path::to::item` into the constant that `#[source]` put next to it.
#[doc(hidden)]
#[proc_macro]
pub fn __source_of(input: TokenStream) -> TokenStream {
    match expand_source_of(input.into()) {
        Ok(expanded) => expanded.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand_source_of(input: TokenStream2) -> syn::Result<TokenStream2> {
    let rest = input;
    let hidden_path = if matches!(rest.clone().into_iter().next(), Some(proc_macro2::TokenTree::Ident(i)) if i == "impl")
    {
        let lookup: ImplLookup = syn::parse2(rest)?;
        lookup.hidden_path()
    } else {
        let mut path: syn::Path = syn::parse2(rest).map_err(|error| {
            syn::Error::new(
                error.span(),
                "`source_of!` expects the path of an item marked `#[source]` (`source_of!(module::item)`), \
                 or `impl Type` / `impl Trait for Type`",
            )
        })?;
        if let Some(last) = path.segments.last_mut() {
            last.ident = format_ident!("__BRINE_SOURCE_{}", last.ident.to_string().trim_start_matches("r#"));
            last.arguments = syn::PathArguments::None;
        }
        quote!(#path)
    };
    Ok(quote! {
        const { &#hidden_path }
    })
}

/// `impl [Trait for] path::to::Type`: the constant sits in `path::to`, the
/// module the block is written in.
struct ImplLookup {
    trait_path: Option<syn::Path>,
    self_path: syn::Path,
}

impl syn::parse::Parse for ImplLookup {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        input.parse::<syn::Token![impl]>()?;
        let first: syn::Path = input.parse()?;
        if input.peek(syn::Token![for]) {
            input.parse::<syn::Token![for]>()?;
            let self_path: syn::Path = input.parse()?;
            Ok(Self { trait_path: Some(first), self_path })
        } else {
            Ok(Self { trait_path: None, self_path: first })
        }
    }
}

impl ImplLookup {
    fn hidden_path(mut self) -> TokenStream2 {
        let trait_name = self.trait_path.as_ref().map(last_segment);
        let suffix = impl_suffix(trait_name.as_deref(), &last_segment(&self.self_path));
        if let Some(last) = self.self_path.segments.last_mut() {
            last.ident = format_ident!("__BRINE_SOURCE_{}", suffix);
            last.arguments = syn::PathArguments::None;
        }
        let path = self.self_path;
        quote!(#path)
    }
}

/// The compiler this crate was built with, as `(release, commit hash, host
/// target, the whole of rustc -vV)`: brine-code compares it with the
/// compiler it is about to run, and keys its cache on the whole text.
#[doc(hidden)]
#[proc_macro]
pub fn __host_rustc(_input: TokenStream) -> TokenStream {
    let release = env!("BRINE_RUSTC_RELEASE");
    let commit = env!("BRINE_RUSTC_COMMIT_HASH");
    let host = env!("BRINE_RUSTC_HOST");
    let verbose = include_str!(concat!(env!("OUT_DIR"), "/rustc-vV.txt"));
    quote!((#release, #commit, #host, #verbose)).into()
}
