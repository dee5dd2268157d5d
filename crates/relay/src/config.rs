//! The daemon's TOML configuration (owned by the `mailway serve` front end; placeholder until
//! it lands). It embeds [`crate::EngineOptions`].
