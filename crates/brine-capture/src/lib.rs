//! brine-capture (under construction)
