//! The properties of properties.rs, on the built policy.wasm through the waPC host, profiles
//! (rules section 11) included.

mod common;

use common::generate::{
    check_accepted_output, check_profiled_output, choice, knative_refusals, knative_request,
    profiled_settings, users_profile_keys, valid_settings,
};
use common::native::{run, stored};
use common::{evaluate, template_annotations};
use knative_scale_policy::verdict::Outcome;
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Section 11 on the .wasm: settings with profiles are valid for the module too; it answers
    /// as the Rust code does; a template Knative admits stays admitted (a); no key of the user's
    /// changes and what is gained is the profile's (b); its answer on its own output is no
    /// mutation (c); nothing escapes the namespace's cap (d).
    #[test]
    fn wasm_profiles_keep_users_keys_caps_admissibility_and_the_fixed_point(
        request in knative_request(), users in users_profile_keys(),
        profiled in profiled_settings(), choice in choice()
    ) {
        let (request, chosen) = profiled.request(&request, users, choice);
        let validity = common::policy().validate_settings(&profiled.settings).expect("no trap");
        prop_assert!(validity.valid, "{:?}: {}", validity, profiled.settings);
        let first = evaluate(&request, &profiled.settings);
        let native = run(&request, &profiled.policy_settings());
        prop_assert_eq!(first.accepted(), !matches!(native.outcome, Outcome::Reject(_)));
        let input = template_annotations(&request["object"]);
        let admissible = knative_refusals(&input, &profiled).is_empty();
        if !first.accepted() {
            let message = first.message();
            let allowed =
                !admissible || profiled.rules_refusal(&message, chosen.as_deref(), &input);
            prop_assert!(allowed, "an admissible template refused: {}", message);
            return Ok(());
        }
        let output = first.object();
        prop_assert_eq!(&output, &stored(&request, &native), "the .wasm and the Rust code differ");
        if admissible {
            let errors = knative_refusals(&template_annotations(&output), &profiled);
            prop_assert!(errors.is_empty(), "{:?} from {:?}", errors, input);
        }
        let profile = profiled.profile_of(chosen.as_deref());
        check_profiled_output(&request["object"], &output, &profiled, profile)
            .map_err(TestCaseError::fail)?;
        let again = evaluate(&first.as_update(), &profiled.settings);
        prop_assert!(again.accepted() && !again.mutated(), "not a fixed point: {:?}", again.patch());
    }
}
