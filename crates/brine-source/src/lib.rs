//! brine-source (under construction)
