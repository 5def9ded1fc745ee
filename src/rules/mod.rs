//! The pure rules of `resolution-rules.md`, over plain integers and a string map of annotations:
//! no JSON, no SDK, no path out of this folder (`tests/architecture.rs` checks it).
//!
//! - `annotations`: a template's annotations, a map of strings;
//! - `keys`: the annotation register (keys, aliases, Knative's integer syntax);
//! - `cluster`: config-autoscaler's values, defaults and validation;
//! - `defaults`: what a template resolves with (`G'`, `L'`), each with its owner;
//! - `resolve`: sections 3 and 4, the three bounds and why each was filled or corrected;
//! - `refusal`: why the bounds cannot be admitted, in the user's terms;
//! - `tenant`: section 10, a namespace's defaults and cap over the cluster's;
//! - `profile`: section 11, named autoscaling profiles;
//! - `record`: section 5's stability record;
//! - `plan`: from a template's annotations to what the policy writes there;
//! - `message`: the sentences' helpers (quoting, cutting, one-line warnings);
//! - `validation`: Knative's own validation of every autoscaling annotation, with `go`, Go's
//!   parsers of integers, floats and durations as Knative uses them.

pub mod annotations;
pub mod cluster;
pub mod defaults;
pub mod go;
pub mod keys;
pub mod message;
pub mod plan;
pub mod profile;
pub mod record;
pub mod refusal;
pub mod resolve;
pub mod tenant;
pub mod validation;
