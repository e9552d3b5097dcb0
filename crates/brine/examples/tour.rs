//! A tour of brine (under construction).

fn main() -> anyhow::Result<()> {
    // sections are called here, in order
    Ok(())
}
