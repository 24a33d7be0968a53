//! The typed producer. (Being written.)
