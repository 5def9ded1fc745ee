//! A template's annotations as the rules read and write them: a map of strings (Kubernetes
//! annotations are strings; the edge refuses any other value before the rules see it), kept
//! sorted by key. A sorted list rather than a tree: a template holds a few dozen annotations at
//! most, and the shipped module stays small.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations(Vec<(String, String)>);

impl Annotations {
    pub fn new() -> Self {
        Annotations(Vec::new())
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        let index = self.position(key).ok()?;
        Some(self.0[index].1.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets `key`; the value it replaces, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(index) => Some(std::mem::replace(&mut self.0[index].1, value)),
            Err(index) => {
                self.0.insert(index, (key, value));
                None
            }
        }
    }

    /// Removes `key`; its value, if it was there.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let index = self.position(key).ok()?;
        Some(self.0.remove(index).1)
    }

    /// The annotations in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Annotations {
    /// A key given twice keeps its last value.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut annotations = Annotations::new();
        annotations.extend(pairs);
        annotations
    }
}

impl IntoIterator for Annotations {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Extend<(String, String)> for Annotations {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Annotations {
        text.split_whitespace()
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("key=value");
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn a_map_of_strings_in_key_order() {
        let mut annotations = pairs("b=2 a=1 c=3 a=0");
        assert_eq!(annotations.get("a"), Some("0"));
        assert_eq!(annotations.len(), 3);
        assert_eq!(annotations.insert("b".into(), "9".into()), Some("2".into()));
        assert_eq!(annotations.remove("c"), Some("3".into()));
        assert_eq!(annotations.remove("c"), None);
        assert!(annotations.contains_key("b") && !annotations.contains_key("c"));
        let listed: Vec<(&str, &str)> = annotations.iter().collect();
        assert_eq!(listed, [("a", "0"), ("b", "9")]);
        assert!(Annotations::new().is_empty());
    }
}
