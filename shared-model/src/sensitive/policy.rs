//! Data policies (placeholder, filled in the next commit).
