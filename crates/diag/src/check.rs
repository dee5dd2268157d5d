//! `mailway check`: DNS, authentication and reputation diagnosis of a domain.

pub mod spf;
