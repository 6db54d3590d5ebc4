"""The core: errors, settings, clock, hashing and URL helpers (standard library only)."""
