//! brine-temp (under construction)
