//! The objects every benchmark measures, so that every area and every peer is
//! timed on the same data: the seed workflow's five objects.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A small struct, as found inside larger ones.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Item {
    /// An identifier.
    pub id: u32,
    /// A label.
    pub name: String,
    /// A measurement.
    pub value: f64,
}

/// A struct with one `i64`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Small {
    /// The one field.
    pub value: i64,
}

/// A struct with 500 ints and 10 small structs.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Large {
    /// 500 ints.
    pub ints: Vec<i64>,
    /// 10 small structs.
    pub items: Vec<Item>,
}

/// `{"level1": {"level2": {"level3": [0, 1, ..., 99]}}}`
pub type Nested = HashMap<String, HashMap<String, HashMap<String, Vec<i64>>>>;

/// A list of 1000 ints.
pub fn list_1000() -> Vec<i64> {
    (0..1000).map(|i| i * 37 - 500).collect()
}

/// The nested map: level1/level2/level3 holding 100 ints.
pub fn nested() -> Nested {
    let level3 = HashMap::from([("level3".to_string(), (0..100).collect::<Vec<i64>>())]);
    let level2 = HashMap::from([("level2".to_string(), level3)]);
    HashMap::from([("level1".to_string(), level2)])
}

/// The struct with one `i64`.
pub fn small() -> Small {
    Small { value: 1_234_567_890 }
}

/// The struct with 500 ints and 10 small structs.
pub fn large() -> Large {
    Large {
        ints: (0..500).map(|i| i * i - 1000).collect(),
        items: (0..10)
            .map(|i| Item { id: i, name: format!("item-{i}"), value: f64::from(i) * 1.5 })
            .collect(),
    }
}

/// One million `f64`.
pub fn floats_1m() -> Vec<f64> {
    (0..1_000_000).map(|i| f64::from(i) * 0.001).collect()
}

/// Runs `$body` once per seed object, with `$name` the object's label and
/// `$value` a reference to it.
#[macro_export]
macro_rules! for_each_seed {
    (|$name:ident, $value:ident| $body:block) => {{
        {
            let $name = "list_1000";
            let v = $crate::list_1000();
            let $value = &v;
            $body
        }
        {
            let $name = "nested_map";
            let v = $crate::nested();
            let $value = &v;
            $body
        }
        {
            let $name = "small_struct";
            let v = $crate::small();
            let $value = &v;
            $body
        }
        {
            let $name = "large_struct";
            let v = $crate::large();
            let $value = &v;
            $body
        }
        {
            let $name = "floats_1m";
            let v = $crate::floats_1m();
            let $value = &v;
            $body
        }
    }};
}

/// A postal address, inside a [`User`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub zip: u32,
}

/// A record as programs store them: numbers, strings, a list, an optional
/// nested struct. Not one of the seed objects: [`users`] measures what a
/// struct-heavy value costs, apart from the seed tables.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct User {
    /// An identifier.
    pub id: u64,
    /// A display name.
    pub name: String,
    /// An email address.
    pub email: String,
    /// An age.
    pub age: u8,
    /// Labels.
    pub tags: Vec<String>,
    /// Where the user lives, if known.
    pub address: Option<Address>,
    /// A score.
    pub score: f64,
}

/// 100 users, every third without an address.
pub fn users() -> Vec<User> {
    (0..100u64)
        .map(|i| User {
            id: 1_000_000 + i,
            name: format!("user {i}"),
            email: format!("user{i}@example.com"),
            age: (20 + i % 50) as u8,
            tags: vec!["admin".into(), format!("team-{}", i % 7)],
            address: (i % 3 != 0).then(|| Address {
                street: format!("{i} Main St"),
                city: "Springfield".into(),
                zip: 12_345,
            }),
            score: i as f64 * 0.5,
        })
        .collect()
}

/// What an [`Event`] did: a unit, a newtype and a struct variant.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Action {
    /// A login.
    Login,
    /// A purchase of so many cents.
    Purchase(u32),
    /// A move between two places.
    Move {
        /// Where from.
        from: String,
        /// Where to.
        to: String,
    },
}

/// How an [`Event`] ended.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// It worked.
    Done,
    /// It worked on a second try.
    Retried,
    /// It failed.
    Failed,
}

/// A log record with two enum fields, as programs store them. Not one of
/// the seed objects: [`events`] measures what a value whose variants
/// change from one record to the next costs.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Event {
    /// An identifier.
    pub id: u64,
    /// Who did it.
    pub user: String,
    /// What they did.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// When, in seconds.
    pub at: f64,
}

/// 100 events, their actions and outcomes cycling.
pub fn events() -> Vec<Event> {
    (0..100u64)
        .map(|i| Event {
            id: i,
            user: format!("user {}", i % 17),
            action: match i % 3 {
                0 => Action::Login,
                1 => Action::Purchase((i * 125) as u32),
                _ => Action::Move { from: format!("room {i}"), to: "hall".into() },
            },
            outcome: [Outcome::Done, Outcome::Done, Outcome::Retried, Outcome::Failed][(i % 4) as usize],
            at: 1.7e9 + i as f64,
        })
        .collect()
}

/// The process's peak resident set size so far, in bytes (Linux: `VmHWM`).
pub fn peak_rss() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// The process's resident set size now, in bytes (Linux: `VmRSS`).
pub fn current_rss() -> Option<u64> {
    status_bytes("VmRSS:")
}

fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
