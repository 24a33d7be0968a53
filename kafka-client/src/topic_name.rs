//! A topic's name, shared: every record read from a topic carries it, so
//! a copy costs a reference count, not an allocation (as Java's records
//! share one `String`).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The name of a topic. It reads as a `&str` (it derefs to one and compares
/// with `str`, `&str` and `String`), and cloning it shares the name.
///
/// ```
/// use kafka_client::TopicName;
/// let name = TopicName::from("orders");
/// let copy = name.clone();
/// assert_eq!(copy, "orders");
/// assert_eq!(copy.len(), 6);
/// assert!(copy.starts_with("ord"));
/// assert_eq!(String::from(copy), "orders".to_string());
/// assert_eq!(format!("{name} {name:?}"), "orders \"orders\"");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName(Arc<str>);

impl TopicName {
    /// The name as a `&str`.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for TopicName {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for TopicName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for TopicName {
    fn from(name: &str) -> Self {
        TopicName(Arc::from(name))
    }
}

impl From<&String> for TopicName {
    fn from(name: &String) -> Self {
        TopicName(Arc::from(name.as_str()))
    }
}

impl From<String> for TopicName {
    fn from(name: String) -> Self {
        TopicName(Arc::from(name))
    }
}

impl From<&TopicName> for TopicName {
    fn from(name: &TopicName) -> Self {
        name.clone()
    }
}

impl From<TopicName> for String {
    fn from(name: TopicName) -> Self {
        name.0.to_string()
    }
}

impl PartialEq<str> for TopicName {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for TopicName {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for TopicName {
    #[inline]
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<TopicName> for str {
    #[inline]
    fn eq(&self, other: &TopicName) -> bool {
        self == &*other.0
    }
}

impl PartialEq<TopicName> for &str {
    #[inline]
    fn eq(&self, other: &TopicName) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<TopicName> for String {
    #[inline]
    fn eq(&self, other: &TopicName) -> bool {
        self.as_str() == &*other.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn clones_share_the_name_and_look_up_as_str() {
        let name = TopicName::from(String::from("events"));
        let copy = name.clone();
        assert!(Arc::ptr_eq(&name.0, &copy.0), "a clone shares the name");
        let mut counts: HashMap<TopicName, u32> = HashMap::new();
        counts.insert(copy, 3);
        assert_eq!(counts.get("events"), Some(&3));
        let owned = String::from("events");
        assert_eq!("events", name);
        assert_eq!(name, *"events");
        assert_eq!(owned, name);
        assert_eq!(name, owned);
        assert_ne!(name, "other");
        let (a, b) = (TopicName::from("a"), TopicName::from("b"));
        assert!(a < b);
    }
}
