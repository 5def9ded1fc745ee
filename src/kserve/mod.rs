//! KServe's objects (rules section 9): `projection` builds, from an InferenceService or an
//! InferenceGraph, the template annotations of the Knative Services KServe will build (facts
//! D.1); `check` resolves them with the rules and answers the KServe object (never mutated).

pub mod check;
pub mod projection;
