//! Deeply nested one-item lists: the layout tries such an item on the list's
//! own line before it lays it out below, and without reuse each level doubled
//! the work (a 36-level tree took seconds, 60 levels would take days). These
//! finish only if the layout is polynomial in the depth.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Tree {
    Leaf(u8),
    Node(Vec<Tree>),
}

fn chain(depth: usize) -> Tree {
    (0..depth).fold(Tree::Leaf(7), |inner, i| {
        // alternate one-item lists with two-item ones, which force line breaks
        if i % 3 == 0 { Tree::Node(vec![Tree::Leaf(1), inner]) } else { Tree::Node(vec![inner]) }
    })
}

#[test]
fn deep_one_item_lists_are_laid_out_and_read_back() {
    let tree = chain(60);
    let text = brine_source::to_string(&tree).unwrap();
    assert!(text.lines().count() > 60, "{text}");
    assert_eq!(brine_source::from_str::<Tree>(&text).unwrap(), tree);
}

#[test]
fn the_same_subtree_in_many_shapes() {
    let forest: Vec<Tree> = (0..20).map(|i| chain(30 + i)).collect();
    let text = brine_source::to_string(&forest).unwrap();
    assert_eq!(brine_source::from_str::<Vec<Tree>>(&text).unwrap(), forest);
}
