//! The engine against a scripted in-memory backend.
