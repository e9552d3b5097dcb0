//! `#[function]` and `func!`: storable functions and closures.
//!
//! Both register an `Entry` (id, signature as written, source text and its
//! hash, capture list, the `dyn Fn` type, how to make the callable) with the
//! runtime's link-time registry, through `__private` named fields.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use crate::text;

/// `fn(A, B) -> R` as text, and the `dyn Fn(A, B) -> R + Send + Sync` type.
struct Signature {
    text: String,
    dyn_type: TokenStream2,
}

fn signature(lifetimes: &[&syn::Lifetime], inputs: &[&syn::Type], output: &syn::ReturnType) -> Signature {
    let args: Vec<String> = inputs.iter().map(|ty| type_text(ty)).collect();
    let mut text = format!("fn({})", args.join(", "));
    let ret = match output {
        syn::ReturnType::Default => quote!(),
        syn::ReturnType::Type(_, ty) => {
            text.push_str(" -> ");
            text.push_str(&type_text(ty));
            quote!(-> #ty)
        }
    };
    let binder = if lifetimes.is_empty() { quote!() } else { quote!(for<#(#lifetimes),*>) };
    Signature {
        text,
        dyn_type: quote!(dyn #binder Fn(#(#inputs),*) #ret + ::core::marker::Send + ::core::marker::Sync),
    }
}

/// A type's tokens printed with the spacing people write (`&str`,
/// `Vec<u8>`): the same text whatever the file's layout, so a signature
/// compares equal across reformatting.
fn type_text(ty: &syn::Type) -> String {
    let mut text = quote!(#ty).to_string();
    for (from, to) in
        [(" ,", ","), ("& ", "&"), (" <", "<"), ("< ", "<"), (" >", ">"), (":: ", "::"), (" ::", "::")]
    {
        text = text.replace(from, to);
    }
    for (from, to) in [("( ", "("), (" )", ")"), ("[ ", "["), (" ]", "]"), (" ;", ";")] {
        text = text.replace(from, to);
    }
    text
}

fn refuse_impl_trait(inputs: &[&syn::Type], output: &syn::ReturnType) -> syn::Result<()> {
    let ret = match output {
        syn::ReturnType::Type(_, ty) => Some(&**ty),
        syn::ReturnType::Default => None,
    };
    for ty in inputs.iter().copied().chain(ret) {
        if quote!(#ty).to_string().split_whitespace().any(|word| word == "impl") {
            return Err(syn::Error::new(
                ty.span(),
                "a storable function's signature cannot use `impl Trait`: name the type, or take a `Box<dyn Trait>`",
            ));
        }
    }
    Ok(())
}

/// `#[function]` on a fn: the fn as it is, its source kept as by
/// `#[source]`, and its registration.
pub(crate) fn expand_function(
    attr: TokenStream,
    item: TokenStream,
    root: TokenStream2,
) -> syn::Result<TokenStream> {
    let args: FunctionArgs = syn::parse(attr)?;
    // `#[source]` takes `crate = path` only
    let source_attr: TokenStream = match &args.root {
        Some(path) => quote!(crate = #path).into(),
        None => TokenStream::new(),
    };
    let root = args.root.map_or(root.clone(), |path| quote!(#path));
    let uses: Vec<TokenStream2> = args
        .uses
        .into_iter()
        .map(|mut path| {
            if let Some(last) = path.segments.last_mut() {
                last.ident =
                    format_ident!("__BRINE_SOURCE_{}", last.ident.to_string().trim_start_matches("r#"));
                last.arguments = syn::PathArguments::None;
            }
            quote!(&#path)
        })
        .collect();
    let parsed: syn::ItemFn = syn::parse(item.clone()).map_err(|error| {
        syn::Error::new(error.span(), "`#[function]` applies to a fn item (for a closure, use `func!`)")
    })?;
    let sig = &parsed.sig;
    if let Some(param) =
        sig.generics.params.iter().find(|param| !matches!(param, syn::GenericParam::Lifetime(_)))
    {
        return Err(syn::Error::new(
            param.span(),
            "a generic fn cannot be stored: its value needs one signature; write a non-generic fn that calls it",
        ));
    }
    if let Some(clause) = &sig.generics.where_clause {
        return Err(syn::Error::new(clause.span(), "a storable fn takes no `where` clause"));
    }
    if let Some(asyncness) = &sig.asyncness {
        return Err(syn::Error::new(
            asyncness.span(),
            "an `async fn` cannot be stored: store a fn that returns the future's input",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        return Err(syn::Error::new(
            unsafety.span(),
            "an `unsafe fn` cannot be stored: its value is called as a safe `Fn`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(variadic.span(), "a variadic fn cannot be stored"));
    }
    let mut inputs = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Typed(typed) => inputs.push(&*typed.ty),
            syn::FnArg::Receiver(receiver) => {
                return Err(syn::Error::new(receiver.span(), "a method cannot be stored: store a free fn"));
            }
        }
    }
    refuse_impl_trait(&inputs, &sig.output)?;
    let lifetimes: Vec<&syn::Lifetime> = sig.generics.lifetimes().map(|param| &param.lifetime).collect();
    let Signature { text: signature, dyn_type } = signature(&lifetimes, &inputs, &sig.output);

    // `#[function]` keeps the source as `#[source]` does: `source_of!(f)` works too
    let kept = crate::expand_source(source_attr, item.clone(), root.clone())?;
    let text::Captured { text: source, .. } = text::capture(&item);
    let hash = twox_hash::XxHash3_64::oneshot(source.as_bytes());
    let name = &sig.ident;
    let bare = name.to_string().trim_start_matches("r#").to_owned();
    let vis = &parsed.vis;
    let entry = format_ident!("__BRINE_FUNC_{}", bare);
    let make = format_ident!("__brine_func_{}", bare);
    let registration = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis static #entry: #root::__private::Entry = #root::__private::Entry {
            id: ::core::concat!(::core::module_path!(), "::", #bare),
            signature: #signature,
            source: #source,
            source_hash: #hash,
            captures: "",
            uses: &[#(#uses),*],
            shipped: #root::__private::OnceLock::new(),
            dyn_type: #root::__private::dyn_type::<#dyn_type>,
            dyn_name: #root::__private::dyn_name::<#dyn_type>,
            make: #root::__private::Make::Item(|| #root::__private::make_item::<#dyn_type>(::std::sync::Arc::new(#name))),
            made: #root::__private::OnceLock::new(),
        };
        #root::__private::inventory::submit! { #root::__private::Registration(&#entry) }
        #[doc(hidden)]
        #[allow(dead_code)]
        #vis fn #make() -> #root::func::Func<#dyn_type> {
            #root::__private::item(&#entry, ::std::sync::Arc::new(#name))
        }
    };
    let mut out = kept;
    out.extend(TokenStream::from(registration));
    Ok(out)
}

/// `#[function]`'s arguments: `crate = path` and `uses(item, path::to::item)`,
/// in any order.
struct FunctionArgs {
    root: Option<syn::Path>,
    uses: Vec<syn::Path>,
}

impl Parse for FunctionArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = FunctionArgs { root: None, uses: Vec::new() };
        while !input.is_empty() {
            if input.peek(syn::Token![crate]) {
                input.parse::<syn::Token![crate]>()?;
                input.parse::<syn::Token![=]>()?;
                args.root = Some(input.parse()?);
            } else {
                let word: syn::Ident = input.parse()?;
                if word != "uses" {
                    return Err(syn::Error::new(
                        word.span(),
                        "`#[function]` takes `uses(item, ..)` (items marked #[source] that the fn calls, \
                         shipped with its source) and `crate = path::to::brine_code`",
                    ));
                }
                let list;
                syn::parenthesized!(list in input);
                args.uses.extend(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated(&list)?);
            }
            if !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// One entry of a closure's capture list: `name: Type` or `name: Type = value`.
struct Capture {
    name: syn::Ident,
    ty: syn::Type,
    value: Option<syn::Expr>,
}

impl Parse for Capture {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: syn::Ident = input.parse()?;
        input.parse::<syn::Token![:]>().map_err(|error| {
            syn::Error::new(
                error.span(),
                "each capture needs its type: `[name: Type]` or `[name: Type = value]`",
            )
        })?;
        let ty: syn::Type = input.parse()?;
        let value = if input.peek(syn::Token![=]) {
            input.parse::<syn::Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Capture { name, ty, value })
    }
}

/// `func!` input: `$crate` of the runtime, `;`, then a path or a closure.
struct FuncInput {
    root: TokenStream2,
    body: TokenStream2,
}

impl Parse for FuncInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut root = TokenStream2::new();
        while !input.peek(syn::Token![;]) {
            let tree: proc_macro2::TokenTree = input.parse()?;
            root.extend([tree]);
        }
        input.parse::<syn::Token![;]>()?;
        Ok(FuncInput { root, body: input.parse()? })
    }
}

/// `func!(path)` or `func!([captures] |args| -> R { body })`.
pub(crate) fn expand_func(input: TokenStream) -> syn::Result<TokenStream2> {
    let FuncInput { root, body } = syn::parse(input)?;
    let starts_closure = matches!(
        body.clone().into_iter().next(),
        Some(proc_macro2::TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Bracket
    ) || syn::parse2::<syn::Path>(body.clone()).is_err();
    if !starts_closure {
        let mut path: syn::Path = syn::parse2(body)?;
        if let Some(last) = path.segments.last_mut() {
            last.ident = format_ident!("__brine_func_{}", last.ident.to_string().trim_start_matches("r#"));
            last.arguments = syn::PathArguments::None;
        }
        return Ok(quote!(#path()));
    }
    expand_closure(root, body)
}

fn expand_closure(root: TokenStream2, body: TokenStream2) -> syn::Result<TokenStream2> {
    let source_tokens: TokenStream = body.clone().into();
    let text::Captured { text: source, file, line, column, .. } = text::capture(&source_tokens);
    let (captures, closure) = split_captures(body)?;
    let mut closure: syn::ExprClosure = syn::parse2(closure).map_err(|error| {
        syn::Error::new(
            error.span(),
            "`func!` takes a fn marked #[function] by path, or a closure with an optional capture list: \
             `func!([factor: i64] |x: i64| -> i64 { x * factor })`",
        )
    })?;
    if let Some(asyncness) = &closure.asyncness {
        return Err(syn::Error::new(asyncness.span(), "an async closure cannot be stored"));
    }
    let mut inputs = Vec::new();
    for input in &closure.inputs {
        match input {
            syn::Pat::Type(typed) => inputs.push(&*typed.ty),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "each argument of a stored closure needs its type written: `|x: i64|`",
                ));
            }
        }
    }
    if matches!(closure.output, syn::ReturnType::Default) {
        return Err(syn::Error::new(
            closure.or1_token.span(),
            "a stored closure needs its return type written: `|x: i64| -> i64 { .. }` (`-> ()` for none)",
        ));
    }
    refuse_impl_trait(&inputs, &closure.output)?;
    let Signature { text: signature, dyn_type } = signature(&[], &inputs, &closure.output);
    if closure.capture.is_none() {
        closure.capture = Some(syn::Token![move](Span::call_site()));
    }
    let names: Vec<&syn::Ident> = captures.iter().map(|capture| &capture.name).collect();
    let types: Vec<&syn::Type> = captures.iter().map(|capture| &capture.ty).collect();
    let values: Vec<TokenStream2> = captures
        .iter()
        .map(|capture| match &capture.value {
            Some(value) => quote!(#value),
            None => {
                let name = &capture.name;
                quote!(#name)
            }
        })
        .collect();
    let declared = captures
        .iter()
        .map(|capture| format!("{}: {}", capture.name, type_text(&capture.ty)))
        .collect::<Vec<_>>();
    let declared = declared.join(", ");
    let hash = twox_hash::XxHash3_64::oneshot(source.as_bytes());
    let place = format!("{{closure@{file}:{line}:{column}}}");
    Ok(quote! {{
        #[allow(unused_variables, clippy::type_complexity)]
        fn __brine_make((#(#names,)*): (#(#types,)*)) -> ::std::sync::Arc<#dyn_type> {
            ::std::sync::Arc::new(#closure)
        }
        static __BRINE_FUNC: #root::__private::Entry = #root::__private::Entry {
            id: ::core::concat!(::core::module_path!(), "::", #place),
            signature: #signature,
            source: #source,
            source_hash: #hash,
            captures: #declared,
            uses: &[],
            shipped: #root::__private::OnceLock::new(),
            dyn_type: #root::__private::dyn_type::<#dyn_type>,
            dyn_name: #root::__private::dyn_name::<#dyn_type>,
            make: #root::__private::Make::Closure(|deserializer| {
                #root::__private::rebuild_closure(deserializer, __brine_make)
            }),
            made: #root::__private::OnceLock::new(),
        };
        #root::__private::inventory::submit! { #root::__private::Registration(&__BRINE_FUNC) }
        #root::__private::closure(&__BRINE_FUNC, __brine_make, (#(#values,)*))
    }})
}

/// Splits `[captures] closure` into the capture list and the closure.
fn split_captures(body: TokenStream2) -> syn::Result<(Vec<Capture>, TokenStream2)> {
    let mut trees = body.into_iter().peekable();
    let Some(proc_macro2::TokenTree::Group(group)) = trees.peek().cloned() else {
        return Ok((Vec::new(), trees.collect()));
    };
    if group.delimiter() != proc_macro2::Delimiter::Bracket {
        return Ok((Vec::new(), trees.collect()));
    }
    trees.next();
    let parser = Punctuated::<Capture, syn::Token![,]>::parse_terminated;
    let captures = syn::parse::Parser::parse2(parser, group.stream())?;
    Ok((captures.into_iter().collect(), trees.collect()))
}
