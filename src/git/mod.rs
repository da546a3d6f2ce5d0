//! Git access: [`read`] through gix for every read.

pub mod read;
