//! brine-source-macros (under construction)
