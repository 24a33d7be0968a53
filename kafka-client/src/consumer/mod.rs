//! The typed consumer. (Being written.)
