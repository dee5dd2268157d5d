//! DNSSEC (placeholder)
