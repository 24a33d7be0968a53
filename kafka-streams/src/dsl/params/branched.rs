//! The name of a branch of `KStream::split`.

/// Names a branch of [`KStream::split`](crate::dsl::KStream::split). The
/// branch's stream is returned under `<split prefix><name>`; without a name,
/// branches are numbered from `1` in the order they were added, and the
/// default branch is `0`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branched {
    pub(crate) name: Option<String>,
}

impl Branched {
    /// A branch with this name.
    pub fn named(name: impl Into<String>) -> Self {
        Branched {
            name: Some(name.into()),
        }
    }
}
