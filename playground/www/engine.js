// The policy's engine (playground/src/browser.rs): texts cross through the module's memory. The
// editors' YAML is read here, by js-yaml (copied next to this file by `make playground`), and the
// module gets JSON: a YAML reader in Rust was a third of the module.
import { loadAll, CORE_SCHEMA } from "./js-yaml.mjs";

const EDITORS = ["Service", "config-autoscaler", "settings"];

// An editor's YAML or JSON as JSON text. YAML 1.2's core schema, as serde_json's reading of
// serde_yaml's did: a timestamp stays a string, `yes` is no boolean, `<<` merges nothing. An
// empty editor (or one of comments only) is null, as the module reads it.
function toJson(editor, text) {
  try {
    const documents = loadAll(text, { schema: CORE_SCHEMA });
    if (documents.length > 1) throw new Error("expected a single document, but found more");
    return JSON.stringify(documents[0] ?? null);
  } catch (error) {
    const at = error.mark ? ` at line ${error.mark.line + 1} column ${error.mark.column + 1}` : "";
    throw new Error(`${editor}: not valid YAML or JSON: ${error.reason ?? error.message}${at}`);
  }
}

export async function load(url = new URL("knative_scale_playground.wasm", import.meta.url)) {
  const bytes = await (await fetch(url)).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const { memory, input_buffer, explain_inputs, result_ptr } = instance.exports;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return (object, configAutoscaler, settings) => {
    let texts;
    try {
      texts = [object, configAutoscaler, settings].map((text, index) => toJson(EDITORS[index], text));
    } catch (error) {
      return JSON.stringify({ verdict: "error", error: error.message });
    }
    texts.forEach((text, index) => {
      const input = encoder.encode(text);
      const at = input_buffer(index, input.length) >>> 0;
      new Uint8Array(memory.buffer, at, input.length).set(input);
    });
    const length = explain_inputs() >>> 0;
    // memory.buffer is read again: the module may have grown its memory while answering.
    return decoder.decode(new Uint8Array(memory.buffer, result_ptr() >>> 0, length));
  };
}
