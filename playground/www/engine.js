// The policy's engine (playground/src/browser.rs): texts cross through the module's memory.
export async function load(url = new URL("knative_scale_playground.wasm", import.meta.url)) {
  const bytes = await (await fetch(url)).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const { memory, input_buffer, explain_inputs, result_ptr } = instance.exports;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return (object, configAutoscaler, settings) => {
    [object, configAutoscaler, settings].forEach((text, index) => {
      const input = encoder.encode(text);
      const at = input_buffer(index, input.length) >>> 0;
      new Uint8Array(memory.buffer, at, input.length).set(input);
    });
    const length = explain_inputs() >>> 0;
    // memory.buffer is read again: the module may have grown its memory while answering.
    return decoder.decode(new Uint8Array(memory.buffer, result_ptr() >>> 0, length));
  };
}
