//! The properties of properties.rs, on the built policy.wasm through the waPC host.

mod common;

use common::evaluate;
use common::generate::{check_accepted_output, knative_request, valid_settings};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn wasm_output_is_admissible_stable_and_touches_only_template_annotations(
        request in knative_request(), (settings, cluster) in valid_settings()
    ) {
        let first = evaluate(&request, &settings);
        if !first.accepted() {
            prop_assert!(first.message().contains("autoscaling.knative.dev/"), "{}", first.message());
            return Ok(());
        }
        check_accepted_output(&request["object"], &first.object(), cluster).map_err(TestCaseError::fail)?;
        let again = evaluate(&first.as_update(), &settings);
        prop_assert!(again.accepted() && !again.mutated(), "not a fixed point: {:?}", again.patch());
    }
}
