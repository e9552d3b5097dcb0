//! The emitted source compiles to equal values: each fixture's checked-in
//! source, `tests/fixtures/values/<name>.rs`, is `include!`d here, so the
//! compiler builds the value from it, and it must equal the fixture.
//! `value_layout.rs` checks that those files are exactly what
//! `brine_source::dump` writes, leading comment included.
//!
//! After a deliberate change of the output, a fixture file that no longer
//! compiles stops this test from building: run
//! `BRINE_BLESS=1 cargo test -p brine-source --test value_layout` first.

// The emitted `.into()` is the identity for some types (`&str`, tuples).
#![allow(clippy::useless_conversion)]

mod value_fixtures;

use value_fixtures::*;

macro_rules! check_compiled {
    ($($name:ident: $ty:ty = $value:expr;)*) => {
        #[test]
        fn fixtures_compile_to_equal_values() {
            $(
                let compiled: $ty = include!(concat!("fixtures/values/", stringify!($name), ".rs"));
                assert_eq!(compiled, $value, "fixtures/values/{}.rs", stringify!($name));
            )*
        }
    };
}

for_each_fixture!(check_compiled);
