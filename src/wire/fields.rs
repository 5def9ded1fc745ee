//! Reading only the fields a decision needs from a JSON map, in one pass over its text: the named
//! fields are deserialized, everything else is skipped without being built (serde's
//! `IgnoredAny`), and a repeated field keeps its last value, as `serde_json::Value` and Go's
//! encoding/json do. Most of an admitted object (its containers, its status) is never built.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, de};

/// The fields of a JSON map that a reader keeps.
pub trait Fields<'de>: Default {
    /// The names of the fields kept; `read` gets the index of one of them.
    const NAMES: &'static [&'static str];
    /// Reads the value of the field `NAMES[index]`, the next value of `map`.
    fn read<A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error>;
}

/// A struct of optional fields, each the value of a key of a JSON map, and its `Fields` reader:
/// `json_fields! { struct Name { "key" => field: Type, ... } }`.
macro_rules! json_fields {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($key:literal => $field:ident: $type:ty),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Default)]
        $vis struct $name {
            $($field: Option<$type>),+
        }

        impl<'de> $crate::wire::fields::Fields<'de> for $name {
            const NAMES: &'static [&'static str] = &[$($key),+];
            fn read<A: serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match Self::NAMES.get(index) {
                    $(Some(&$key) => self.$field = Some(map.next_value()?),)+
                    _ => {}
                }
                Ok(())
            }
        }
    };
}
pub(crate) use json_fields;

/// A JSON value read as a map of the fields `F` keeps, or the type it has instead (named as
/// `json_values::json_type` names it).
pub enum Shape<F> {
    Map(F),
    Null,
    Other(&'static str),
}

impl<F> Shape<F> {
    /// The map's fields, or the type found instead.
    pub fn map(self) -> Result<F, &'static str> {
        match self {
            Shape::Map(fields) => Ok(fields),
            Shape::Null => Err("null"),
            Shape::Other(found) => Err(found),
        }
    }

    /// The map's fields; null and other types give none.
    pub fn into_map(self) -> Option<F> {
        self.map().ok()
    }
}

impl<'de, F: Fields<'de>> Deserialize<'de> for Shape<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor(PhantomData))
    }
}

struct ShapeVisitor<F>(PhantomData<F>);

impl<'de, F: Fields<'de>> Visitor<'de> for ShapeVisitor<F> {
    type Value = Shape<F>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape<F>, A::Error> {
        let mut fields = F::default();
        while let Some(index) = map.next_key_seed(FieldIndex(F::NAMES))? {
            match index {
                Some(index) => fields.read(index, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shape::Map(fields))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape<F>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::Other("a list"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape<F>, E> {
        Ok(Shape::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape<F>, E> {
        Ok(Shape::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape<F>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape<F>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape<F>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape<F>, E> {
        Ok(Shape::Other("a string"))
    }
}

/// A map key as the index of one of the names kept, `None` for any other key.
struct FieldIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldIndex {
    type Value = Option<usize>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a map key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    json_fields! {
        struct Kept {
            "a" => a: Value,
            "nested" => nested: Box<Shape<Kept>>,
        }
    }

    fn read(text: &str) -> Shape<Kept> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn only_named_fields_are_kept_and_the_last_duplicate_wins() {
        let Shape::Map(kept) = read(r#"{"a": 1, "skip": {"deep": [1, {"x": null}]}, "a": "last"}"#)
        else {
            panic!("a map")
        };
        assert_eq!(kept.a, Some(Value::from("last")));
        assert!(kept.nested.is_none());
    }

    #[test]
    fn escaped_keys_are_matched_unescaped() {
        let kept = read(r#"{"nest\u0065d": {"\u0061": true}}"#)
            .into_map()
            .unwrap();
        let nested = kept.nested.unwrap().into_map().unwrap();
        assert_eq!(nested.a, Some(Value::Bool(true)));
    }

    #[test]
    fn other_types_are_named_as_messages_name_them() {
        for (text, name) in [
            ("[1, [2]]", "a list"),
            ("true", "a boolean"),
            ("-1", "a number"),
            ("1.5", "a number"),
            ("7", "a number"),
            (r#""x""#, "a string"),
        ] {
            assert!(
                matches!(read(text), Shape::Other(found) if found == name),
                "{text}"
            );
        }
        assert!(matches!(read("null"), Shape::Null));
    }

    #[test]
    fn skipped_values_are_still_checked_as_json() {
        assert!(serde_json::from_str::<Shape<Kept>>(r#"{"skip": [1,}"#).is_err());
        assert!(serde_json::from_str::<Shape<Kept>>(r#"{"a": 1} trailing"#).is_err());
    }
}
