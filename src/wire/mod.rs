//! The JSON text the host sends and receives. `request` reads the `validate` payload in one pass
//! (`fields`, the field reader; `object_view`, what the decision reads of the object);
//! `splice` writes a mutation into the request's own text; `response` writes the SDK's
//! ValidationResponse; `json_values` names JSON values in messages and turns a JSON map of
//! annotations into the rules' string map.

pub mod fields;
pub mod json_values;
pub mod object_view;
pub mod request;
pub mod response;
pub mod splice;
