//! Functions and closures inside values: made by `#[function]` / `func!`,
//! stored by reference, resolved through this program's registry by a load
//! that opted in, refused with an error naming the id otherwise.

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

use std::collections::HashMap;

use brine_code::func::{self, Func};
use brine_io::{Options, Trust};
use serde::{Deserialize, Serialize};

type BinOp = Func<dyn Fn(i64, i64) -> i64 + Send + Sync>;
type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;

#[brine_code::function]
fn test_function(x: i64, y: i64) -> i64 {
    x * y + 42
}

/// A function with a reference argument.
#[brine_code::function]
pub fn text_len(text: &str) -> usize {
    text.len()
}

#[brine_code::function]
fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or_default()
}

mod inner {
    #[brine_code::function]
    pub fn negate(x: i64) -> i64 {
        -x
    }
}

fn trusted() -> Options {
    Options::new().trust(Trust::Registry)
}

/// The error a brine load refused a function with.
fn func_error(error: &brine_io::load::Error) -> &func::Error {
    match error {
        brine_io::load::Error::Refused { source, .. } => {
            source.downcast_ref::<func::Error>().unwrap_or_else(|| panic!("not a func::Error: {source}"))
        }
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[derive(Serialize, Deserialize, Debug, Clone)]
enum Step {
    Apply(Unary),
    Combine { op: BinOp, with: i64 },
    Stop,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
struct Pipeline {
    name: String,
    steps: Vec<Step>,
    named: HashMap<String, BinOp>,
}

impl Pipeline {
    fn run(&self, mut x: i64) -> i64 {
        for step in &self.steps {
            x = match step {
                Step::Apply(f) => f(x),
                Step::Combine { op, with } => op(x, *with),
                Step::Stop => return x,
            };
        }
        x
    }
}

#[test]
fn fn_items_and_closures_load_back_callable_in_fields_vecs_maps_and_enums() {
    let offset = 100;
    let pipeline = Pipeline {
        name: "demo".into(),
        steps: vec![
            Step::Apply(brine_code::func!(inner::negate)),
            Step::Combine { op: brine_code::func!(test_function), with: 3 },
            Step::Apply(brine_code::func!([offset: i64] |x: i64| -> i64 { x + offset })),
            Step::Stop,
            Step::Apply(brine_code::func!(inner::negate)),
        ],
        named: HashMap::from([("function".to_string(), brine_code::func!(test_function))]),
    };
    assert_eq!(pipeline.run(5), -5 * 3 + 42 + 100);

    let bytes = brine_io::dump(&pipeline).unwrap();
    assert!(brine_io::inspect(&bytes).unwrap().holds_code);
    let back: Pipeline = trusted().load(&bytes).unwrap();
    assert_eq!(back.run(5), pipeline.run(5));
    assert_eq!(back.named["function"](5, 3), 57);
    let cloned = back.clone();
    assert_eq!(cloned.run(1), pipeline.run(1));
}

#[test]
fn captured_values_are_stored_and_rebuild_the_closure() {
    let closures: Vec<Unary> = (0..100_i64)
        .map(|factor| brine_code::func!([factor: i64] move |x: i64| -> i64 { x * factor }))
        .collect();
    let bytes = brine_io::dump(&closures).unwrap();
    let back: Vec<Unary> = trusted().load(&bytes).unwrap();
    assert_eq!(back.len(), 100);
    for (factor, f) in back.iter().enumerate() {
        assert_eq!(f(2), 2 * factor as i64);
    }
    // one registration for all of them: the id is the closure's place
    assert!(back.iter().all(|f| f.id() == closures[0].id()));

    // captures of any serde type, named or computed
    let words = vec!["a".to_string(), "bb".to_string()];
    let f: Func<dyn Fn(usize) -> String + Send + Sync> = brine_code::func!(
        [words: Vec<String>, sep: String = ", ".into()] |n: usize| -> String { words[..n].join(&sep) }
    );
    let back: Func<dyn Fn(usize) -> String + Send + Sync> =
        trusted().load(&brine_io::dump(&f).unwrap()).unwrap();
    assert_eq!(back(2), "a, bb");
    assert!(format!("{back:?}").contains(r#"captures: (["a", "bb"], ", ")"#), "{back:?}");
}

#[test]
fn reference_arguments_and_results_work() {
    let len: Func<dyn Fn(&str) -> usize + Send + Sync> = brine_code::func!(text_len);
    let first: Func<dyn Fn(&str) -> &str + Send + Sync> = brine_code::func!(first_word);
    let suffix = "!".to_string();
    let shout: Func<dyn Fn(&str) -> String + Send + Sync> =
        brine_code::func!([suffix: String] |text: &str| -> String { format!("{text}{suffix}") });
    let bytes = brine_io::dump(&(len, first, shout)).unwrap();
    type Triple = (
        Func<dyn Fn(&str) -> usize + Send + Sync>,
        Func<dyn Fn(&str) -> &str + Send + Sync>,
        Func<dyn Fn(&str) -> String + Send + Sync>,
    );
    let (len, first, shout): Triple = trusted().load(&bytes).unwrap();
    let owned = String::from("hello world");
    assert_eq!(len(&owned), 11);
    assert_eq!(first(&owned), "hello");
    assert_eq!(shout("hi"), "hi!");
    assert_eq!(len.signature(), "fn(&str) -> usize");
    assert_eq!(first.signature(), "fn(&str) -> &str");
}

#[test]
fn what_is_stored() {
    let f: BinOp = brine_code::func!(test_function);
    assert!(f.id().ends_with("func::test_function"), "{}", f.id());
    assert_eq!(f.signature(), "fn(i64, i64) -> i64");
    assert_eq!(f.source(), "fn test_function(x: i64, y: i64) -> i64 {\n    x * y + 42\n}");
    assert_eq!(f.source_hash(), func::source_hash(f.source()));
    assert_eq!(brine_code::source_of!(test_function).text(), f.source());

    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["id"], f.id());
    assert_eq!(json["signature"], "fn(i64, i64) -> i64");
    assert_eq!(json["source"], f.source());
    assert_eq!(json["source_hash"], f.source_hash());

    let factor = 3;
    let g: Unary = brine_code::func!([factor: i64] |x: i64| -> i64 { x * factor });
    let json = serde_json::to_value(&g).unwrap();
    assert_eq!(json["captures_declared"], "factor: i64");
    assert_eq!(json["captures"], serde_json::json!([3]));
    assert_eq!(json["source"], "[factor: i64] |x: i64| -> i64 { x * factor }");
    let id = g.id();
    assert!(id.contains("::{closure@") && id.contains("tests/func.rs:"), "{id}");

    // by reference: no source text
    let bytes = brine_io::dump(&f.clone().by_reference()).unwrap();
    let needle = b"x * y + 42";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    let full = brine_io::dump(&f).unwrap();
    assert!(full.windows(needle.len()).any(|w| w == needle));
    let back: BinOp = trusted().load(&bytes).unwrap();
    assert_eq!(back(5, 3), 57);
}

#[test]
fn a_plain_load_refuses_and_a_forged_header_is_refused_by_the_function() {
    let bytes = brine_io::dump(&brine_code::func!(test_function) as &BinOp).unwrap();
    let error = brine_io::load::<BinOp>(&bytes).unwrap_err();
    assert!(matches!(error, brine_io::load::Error::CodeRefused), "{error:?}");

    let mut forged = bytes.clone();
    forged[10] = 0;
    let error = brine_io::load::<BinOp>(&forged).unwrap_err();
    let cause = func_error(&error);
    assert!(matches!(cause, func::Error::CodeRefused { id } if id.ends_with("::test_function")), "{cause:?}");
    assert!(cause.to_string().contains("trust(Trust::Registry)"), "{cause}");
}

/// The fields a `Func` writes, to forge payloads.
#[derive(Serialize)]
struct Forged<'a> {
    id: &'a str,
    signature: &'a str,
    source_hash: u64,
    source: Option<&'a str>,
    captures_declared: &'a str,
    captures: (),
}

fn forged(id: &str, signature: &str, source_hash: u64) -> Vec<u8> {
    let value = Forged { id, signature, source_hash, source: None, captures_declared: "", captures: () };
    brine_io::dump(&value).unwrap()
}

#[test]
fn each_refusal_is_its_own_error_naming_the_id() {
    let real: BinOp = brine_code::func!(test_function);
    let options = trusted().check_type(false);

    let error = options.load::<BinOp>(&forged("nowhere::f", "fn(i64, i64) -> i64", 0)).unwrap_err();
    assert_eq!(func_error(&error), &func::Error::UnknownId { id: "nowhere::f".into() });
    assert!(func_error(&error).to_string().contains("`nowhere::f`"));

    let error = options.load::<BinOp>(&forged(real.id(), "fn(i64) -> i64", real.source_hash())).unwrap_err();
    assert_eq!(
        func_error(&error),
        &func::Error::SignatureMismatch {
            id: real.id().into(),
            stored: "fn(i64) -> i64".into(),
            registered: "fn(i64, i64) -> i64".into()
        }
    );

    let stale = forged(real.id(), real.signature(), real.source_hash() ^ 1);
    let error = options.load::<BinOp>(&stale).unwrap_err();
    assert!(
        matches!(func_error(&error), func::Error::Stale { id, .. } if id == real.id()),
        "{:?}",
        func_error(&error)
    );
    assert!(func_error(&error).to_string().contains("allow_stale"));
    let f: BinOp = options.allow_stale(true).load(&stale).unwrap();
    assert_eq!(f(5, 3), 57);

    let error = options.load::<Unary>(&brine_io::dump(&real).unwrap()).unwrap_err();
    match func_error(&error) {
        func::Error::WrongType { id, registered, requested } => {
            assert_eq!((id.as_str(), registered.as_str()), (real.id(), "fn(i64, i64) -> i64"));
            assert!(requested.contains("Fn(i64) -> i64"), "{requested}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn serde_json_needs_the_opt_in_too() {
    let factor = 4;
    let value: Vec<Unary> = vec![
        brine_code::func!(inner::negate),
        brine_code::func!([factor: i64] |x: i64| -> i64 { x * factor }),
    ];
    let json = serde_json::to_string(&value).unwrap();
    let error = serde_json::from_str::<Vec<Unary>>(&json).unwrap_err();
    assert!(error.to_string().contains("refusing to load function"), "{error}");
    assert!(error.to_string().contains("trust(Trust::Registry)"), "{error}");
    let back: Vec<Unary> =
        brine_io::trust::Scope::new(Trust::Registry).run(|| serde_json::from_str(&json)).unwrap();
    assert_eq!((back[0](2), back[1](2)), (-2, 8));
}

#[test]
fn the_registry_lists_what_is_linked_in() {
    let ids = func::registered();
    assert!(ids.iter().any(|id| id.ends_with("func::inner::negate")), "{ids:?}");
    assert!(ids.iter().any(|id| id.ends_with("func::test_function")), "{ids:?}");
}

#[test]
fn rust_source_writes_a_func_and_reads_it_back_with_the_opt_in() {
    let factor = 6;
    let value: Vec<Unary> = vec![
        brine_code::func!(inner::negate),
        brine_code::func!([factor: i64] |x: i64| -> i64 { x * factor }),
    ];
    let text = brine_source::to_string(&value).unwrap();
    assert!(text.contains("Func {") && text.contains("captures: (6,)"), "{text}");
    let error = brine_source::from_str::<Vec<Unary>>(&text).unwrap_err();
    assert!(error.to_string().contains("refusing to load function"), "{error}");
    let back: Vec<Unary> =
        brine_io::trust::Scope::new(Trust::Registry).run(|| brine_source::from_str(&text)).unwrap();
    assert_eq!((back[0](2), back[1](2)), (-2, 12));
}
