//! What the decision on a Knative object reads of it, in one pass over its JSON text: the owner
//! references, whether it is stored (uid, creation time), and the template's metadata. The rest
//! of the object is skipped, never built: a mutation is written into the request's own text
//! (`splice`), and only the KServe kinds, whose objects are small, are parsed whole.

use serde_json::Value;

use crate::wire::fields::{Shape, json_fields};

/// `spec.template` as the decision sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Template {
    /// No template (absent or null, or no `spec` map to hold one).
    Absent,
    /// A template of another type than a map, named as messages name it.
    NotAMap(&'static str),
    /// A template map and its `metadata`, `None` when absent.
    Map { metadata: Option<Value> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectView {
    /// `metadata.ownerReferences` as written (null when absent).
    pub owner_references: Value,
    /// `metadata.uid` and `metadata.creationTimestamp` are both set (not absent, not null).
    pub stored: bool,
    /// `metadata.namespace`, empty when absent or not a string.
    pub namespace: String,
    pub template: Template,
}

impl ObjectView {
    /// The view of the object whose fields were read (`None`: no object in the request).
    pub fn of(object: Option<Shape<ObjectFields>>) -> ObjectView {
        let fields = object.and_then(Shape::into_map).unwrap_or_default();
        let metadata = fields
            .metadata
            .and_then(Shape::into_map)
            .unwrap_or_default();
        let template = match fields
            .spec
            .and_then(Shape::into_map)
            .and_then(|s| s.template)
        {
            None | Some(Shape::Null) => Template::Absent,
            Some(Shape::Other(found)) => Template::NotAMap(found),
            Some(Shape::Map(template)) => Template::Map {
                metadata: template.metadata,
            },
        };
        let set = |value: &Option<Value>| value.as_ref().is_some_and(|value| !value.is_null());
        ObjectView {
            stored: set(&metadata.uid) && set(&metadata.creation_timestamp),
            owner_references: metadata.owner_references.unwrap_or_default(),
            namespace: match metadata.namespace {
                Some(Value::String(namespace)) => namespace,
                _ => String::new(),
            },
            template,
        }
    }
}

json_fields! {
    /// The fields of an object that its view needs, read in the same pass as the request.
    pub struct ObjectFields {
        "metadata" => metadata: Shape<MetadataFields>,
        "spec" => spec: Shape<SpecFields>,
    }
}

json_fields! {
    struct MetadataFields {
        "ownerReferences" => owner_references: Value,
        "uid" => uid: Value,
        "creationTimestamp" => creation_timestamp: Value,
        "namespace" => namespace: Value,
    }
}

json_fields! {
    struct SpecFields {
        "template" => template: Shape<TemplateFields>,
    }
}

json_fields! {
    struct TemplateFields {
        "metadata" => metadata: Value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(object: Value) -> ObjectView {
        let text = object.to_string();
        ObjectView::of(Some(serde_json::from_slice(text.as_bytes()).unwrap()))
    }

    #[test]
    fn the_template_metadata_owners_and_stored_marks_are_read() {
        let read = view(json!({
            "metadata": {"uid": "u", "creationTimestamp": "t", "ownerReferences": [{"kind": "X"}]},
            "spec": {"template": {"metadata": {"annotations": {"a": "1"}}, "spec": {"containers": []}}},
            "status": {"anything": [1, 2, 3]}
        }));
        assert_eq!(
            read,
            ObjectView {
                owner_references: json!([{"kind": "X"}]),
                stored: true,
                namespace: String::new(),
                template: Template::Map {
                    metadata: Some(json!({"annotations": {"a": "1"}}))
                },
            }
        );
    }

    #[test]
    fn templates_that_are_absent_null_or_not_maps_are_told_apart() {
        for (object, template) in [
            (json!({}), Template::Absent),
            (json!("a string"), Template::Absent),
            (json!({"spec": ["template"]}), Template::Absent),
            (json!({"spec": {"template": null}}), Template::Absent),
            (
                json!({"spec": {"template": 3}}),
                Template::NotAMap("a number"),
            ),
            (
                json!({"spec": {"template": {}}}),
                Template::Map { metadata: None },
            ),
        ] {
            assert_eq!(view(object.clone()).template, template, "{object}");
        }
    }

    #[test]
    fn a_null_uid_or_creation_time_is_not_stored() {
        let read = view(json!({"metadata": {"uid": "u", "creationTimestamp": null}}));
        assert!(!read.stored);
        assert_eq!(ObjectView::of(None).template, Template::Absent);
    }
}
