//! A name for a processor.

/// A user-given name for a processor (or a prefix, for `split`).
///
/// Every node can also be renamed with `KStream::named` / `KTable::named`
/// right after the call that created it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Named {
    pub(crate) name: Option<String>,
}

impl Named {
    /// This name.
    pub fn new(name: impl Into<String>) -> Self {
        Named {
            name: Some(name.into()),
        }
    }

    /// A generated name.
    pub fn generated() -> Self {
        Named { name: None }
    }
}
