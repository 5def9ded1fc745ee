//! The module's exports to the page (www/engine.js), without a bindings generator: one call of
//! three strings in and one string out needs only a buffer for each in the module's memory.
//!
//! For each of its three texts (the object, config-autoscaler, the settings, each as JSON: the page
//! reads the editors' YAML itself) the page asks
//! `input_buffer(index, len)` for room and writes the UTF-8 text there; `explain_inputs()` answers
//! the length of the result, which the page reads at `result_ptr()`.

use std::cell::RefCell;

use serde_json::json;

thread_local! {
    static INPUTS: RefCell<[Vec<u8>; 3]> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
    static RESULT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Room for input `index` (0, 1 or 2) of `len` bytes; null for any other index.
#[unsafe(no_mangle)]
pub extern "C" fn input_buffer(index: usize, len: usize) -> *mut u8 {
    INPUTS.with_borrow_mut(|inputs| match inputs.get_mut(index) {
        Some(input) => {
            *input = vec![0; len];
            input.as_mut_ptr()
        }
        None => std::ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn explain_inputs() -> usize {
    let [object, config_autoscaler, settings] = INPUTS.take().map(String::from_utf8);
    let result = match (object, config_autoscaler, settings) {
        (Ok(object), Ok(config_autoscaler), Ok(settings)) => {
            super::explain(&object, &config_autoscaler, &settings)
        }
        _ => {
            json!({"verdict": "error", "error": "the page sent text that is not UTF-8"}).to_string()
        }
    };
    RESULT.with_borrow_mut(|kept| {
        *kept = result;
        kept.len()
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn result_ptr() -> *const u8 {
    RESULT.with_borrow(|result| result.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What www/engine.js does, through the same three exports.
    fn through_the_exports(texts: [&str; 3]) -> String {
        for (index, text) in texts.iter().enumerate() {
            let at = input_buffer(index, text.len());
            // SAFETY: `input_buffer` just made room for `text.len()` bytes at `at`.
            unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), at, text.len()) };
        }
        let len = explain_inputs();
        // SAFETY: `result_ptr` points at the `len` bytes of the result just kept.
        let bytes = unsafe { std::slice::from_raw_parts(result_ptr(), len) };
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn the_exports_answer_what_explain_answers() {
        let service = r#"{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"template": {"metadata": {"annotations": {"autoscaling.knative.dev/max-scale": "3"}}}}}"#;
        let texts = [service, r#"{"initial-scale": "5"}"#, "null"];
        let answer = through_the_exports(texts);
        assert_eq!(answer, crate::explain(texts[0], texts[1], texts[2]));
        assert!(answer.contains("\"verdict\":\"mutated\""), "{answer}");
    }

    #[test]
    fn an_index_beyond_the_three_inputs_gets_no_room() {
        assert!(input_buffer(3, 10).is_null());
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_not_a_trap() {
        let at = input_buffer(0, 1);
        // SAFETY: one byte of room at `at`.
        unsafe { *at = 0xff };
        input_buffer(1, 0);
        input_buffer(2, 0);
        let len = explain_inputs();
        // SAFETY: as above.
        let answer = unsafe { std::slice::from_raw_parts(result_ptr(), len) };
        let answer = std::str::from_utf8(answer).unwrap();
        assert!(answer.contains("not UTF-8"), "{answer}");
    }
}
