//! Kubewarden policy metadata in a module's `io.kubewarden.metadata` custom section: what
//! `kwctl annotate` writes and what `kwctl run --allow-context-aware` reads.

use anyhow::{Context, Result, bail};
use serde_json::Value;

pub const SECTION: &str = "io.kubewarden.metadata";

/// The metadata embedded in `module`, if it was annotated.
pub fn read(module: &[u8]) -> Result<Option<Value>> {
    if module.len() < 8 || &module[..4] != b"\0asm" {
        bail!("not a WebAssembly module");
    }
    let mut at = 8;
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = leb128(module, &mut at)?;
        let end = at
            .checked_add(size)
            .filter(|end| *end <= module.len())
            .context("truncated section")?;
        if id == 0 {
            let mut name_at = at;
            let name_len = leb128(module, &mut name_at)?;
            let name_end = name_at
                .checked_add(name_len)
                .filter(|e| *e <= end)
                .context("truncated section name")?;
            if &module[name_at..name_end] == SECTION.as_bytes() {
                let metadata = serde_json::from_slice(&module[name_end..end])
                    .context("the io.kubewarden.metadata section is not JSON")?;
                return Ok(Some(metadata));
            }
        }
        at = end;
    }
    Ok(None)
}

/// `module` with `metadata` appended as its `io.kubewarden.metadata` section.
pub fn annotate(module: &[u8], metadata: &Value) -> Result<Vec<u8>> {
    if read(module)?.is_some() {
        bail!("the module is annotated already");
    }
    let payload = serde_json::to_vec(metadata)?;
    let mut name = Vec::new();
    write_leb128(&mut name, SECTION.len());
    name.extend_from_slice(SECTION.as_bytes());
    let mut out = module.to_vec();
    out.push(0);
    write_leb128(&mut out, name.len() + payload.len());
    out.extend_from_slice(&name);
    out.extend_from_slice(&payload);
    Ok(out)
}

fn leb128(bytes: &[u8], at: &mut usize) -> Result<usize> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at).context("truncated LEB128")?;
        *at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("LEB128 value too long")
}

fn write_leb128(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The `(apiVersion, kind)` pairs a policy declares in `contextAwareResources`.
pub fn context_aware_resources(metadata: Option<&Value>) -> Vec<(String, String)> {
    metadata
        .and_then(|m| m["contextAwareResources"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r["apiVersion"].as_str()?.to_string(),
                r["kind"].as_str()?.to_string(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

    #[test]
    fn annotate_then_read_round_trips() {
        let metadata = json!({"mutating": true, "contextAwareResources": [{"apiVersion": "v1", "kind": "ConfigMap"}],
                              "padding": "x".repeat(300)});
        let annotated = annotate(EMPTY_MODULE, &metadata).unwrap();
        assert_eq!(read(&annotated).unwrap(), Some(metadata.clone()));
        assert_eq!(read(EMPTY_MODULE).unwrap(), None);
        assert!(annotate(&annotated, &metadata).is_err());
        assert_eq!(
            context_aware_resources(Some(&metadata)),
            vec![("v1".to_string(), "ConfigMap".to_string())]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read(b"nope").is_err());
        assert!(read(b"\0asm\x01\0\0\0\x00\xff\xff\xff\xff\x0f").is_err());
    }
}
