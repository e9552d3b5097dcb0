//! brine (under construction)
