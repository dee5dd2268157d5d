//! The SMTP listener (owned by the `mailway serve` front end; placeholder until it lands).
