//! The store test suite, run against SQLite and PostgreSQL (see the PostgreSQL backend).
