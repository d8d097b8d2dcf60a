//! opportunities
