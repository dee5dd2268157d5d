//! SPF (RFC 7208): syntax with every error, worst-case lookup analysis over the include /
//! redirect tree, and `check_host()` evaluation naming the deciding term.

pub mod analyze;
pub mod eval;
pub mod macros;
pub mod parse;

pub use eval::{Evaluation, LOOKUP_LIMIT, Request, SpfResult, Step, VOID_LIMIT, check_host};
pub use parse::{
    Directive, Mechanism, Qualifier, SpfRecord, SyntaxError, SyntaxErrorKind, is_spf_record,
    parse_record,
};

pub use analyze::check;
