//! Scripted SMTP peers on loopback (owned by the `mailway probe` issue).
