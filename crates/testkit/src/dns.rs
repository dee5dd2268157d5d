//! In-process DNS server for tests (owned by the `mailway check` issue).
