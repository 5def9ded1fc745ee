//! The waPC host protocol over `wasmi`, a WebAssembly interpreter that builds in about a minute.
//! A Kubewarden Rust policy imports waPC's eight host functions and five WASI functions
//! (`random_get`, `environ_get`, `environ_sizes_get`, `fd_write`, `proc_exit`), so those are all
//! this host provides. WASI is as policy-evaluator configures it: no arguments, no environment,
//! standard output and error inherited. Wasm semantics do not depend on the engine; Kubewarden's
//! own evaluator uses wasmtime, which `policy-runner bench` keeps (feature `wasmtime`).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use wasmi::{Caller, Engine, Error, Extern, Linker, Memory, Module, Store};

use crate::capabilities::HostCapabilities;

/// A compiled module; every `instantiate` gets a fresh instance with `wapc_init` run.
#[derive(Clone)]
pub struct WasmiModule {
    engine: Engine,
    module: Module,
    linker: Arc<Linker<State>>,
}

/// One instance of the module.
pub struct WasmiInstance {
    store: Store<State>,
    guest_call: wasmi::TypedFunc<(i32, i32), i32>,
}

/// What one instance keeps between the guest's calls into the host.
struct State {
    capabilities: Arc<HostCapabilities>,
    operation: Vec<u8>,
    request: Vec<u8>,
    response: Option<Vec<u8>>,
    guest_error: Option<String>,
    host_response: Vec<u8>,
    host_error: Vec<u8>,
    random: u64,
}

impl WasmiModule {
    pub fn compile(bytes: &[u8]) -> Result<WasmiModule> {
        let engine = Engine::default();
        let module = Module::new(&engine, bytes)
            .map_err(|error| anyhow!("cannot compile the policy module: {error}"))?;
        let mut linker = Linker::new(&engine);
        define_wapc(&mut linker)?;
        define_wasi(&mut linker)?;
        Ok(WasmiModule {
            engine,
            module,
            linker: Arc::new(linker),
        })
    }

    pub fn instantiate(&self, capabilities: Arc<HostCapabilities>) -> Result<WasmiInstance> {
        let state = State {
            capabilities,
            operation: Vec::new(),
            request: Vec::new(),
            response: None,
            guest_error: None,
            host_response: Vec::new(),
            host_error: Vec::new(),
            random: 0x9e37_79b9_7f4a_7c15,
        };
        let mut store = Store::new(&self.engine, state);
        let instance = self
            .linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|error| anyhow!("cannot instantiate the policy module: {error}"))?;
        for init in ["_start", "wapc_init"] {
            if let Ok(function) = instance.get_typed_func::<(), ()>(&store, init) {
                function
                    .call(&mut store, ())
                    .map_err(|error| anyhow!("cannot initialise the policy module: {error}"))?;
            }
        }
        let guest_call = instance
            .get_typed_func::<(i32, i32), i32>(&store, "__guest_call")
            .context("the module exports no waPC __guest_call")?;
        Ok(WasmiInstance { store, guest_call })
    }
}

impl WasmiInstance {
    /// Calls the guest's `operation` with `payload`: its response, or its error (a guest error
    /// or a trap).
    pub fn call(&mut self, operation: &str, payload: &[u8]) -> Result<Vec<u8>> {
        let state = self.store.data_mut();
        state.operation = operation.as_bytes().to_vec();
        state.request = payload.to_vec();
        state.response = None;
        state.guest_error = None;
        let operation_len = i32::try_from(operation.len())?;
        let payload_len = i32::try_from(payload.len())?;
        let succeeded = self
            .guest_call
            .call(&mut self.store, (operation_len, payload_len))
            .map_err(|error| anyhow!("{error}"))?;
        let state = self.store.data_mut();
        match (succeeded, state.response.take(), state.guest_error.take()) {
            (1, Some(response), _) => Ok(response),
            (_, _, Some(error)) => bail!("{error}"),
            _ => bail!("No handler registered for function {operation}"),
        }
    }
}

fn memory(caller: &Caller<'_, State>) -> Result<Memory, Error> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("the module exports no memory"))
}

fn read(caller: &Caller<'_, State>, ptr: i32, len: i32) -> Result<Vec<u8>, Error> {
    let mut bytes = vec![0; usize::try_from(len).map_err(|_| Error::new("negative length"))?];
    memory(caller)?
        .read(caller, ptr as u32 as usize, &mut bytes)
        .map_err(|error| Error::new(format!("guest memory: {error}")))?;
    Ok(bytes)
}

fn write(caller: &mut Caller<'_, State>, ptr: i32, bytes: &[u8]) -> Result<(), Error> {
    memory(caller)?
        .write(caller, ptr as u32 as usize, bytes)
        .map_err(|error| Error::new(format!("guest memory: {error}")))
}

fn length(bytes: &[u8]) -> i32 {
    i32::try_from(bytes.len()).unwrap_or(i32::MAX)
}

fn define_wapc(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        "wapc",
        "__guest_request",
        |mut caller: Caller<'_, State>, operation_ptr: i32, ptr: i32| -> Result<(), Error> {
            let (operation, request) = {
                let state = caller.data();
                (state.operation.clone(), state.request.clone())
            };
            write(&mut caller, operation_ptr, &operation)?;
            write(&mut caller, ptr, &request)
        },
    )?;
    linker.func_wrap(
        "wapc",
        "__guest_response",
        |mut caller: Caller<'_, State>, ptr: i32, len: i32| -> Result<(), Error> {
            let response = read(&caller, ptr, len)?;
            caller.data_mut().response = Some(response);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "wapc",
        "__guest_error",
        |mut caller: Caller<'_, State>, ptr: i32, len: i32| -> Result<(), Error> {
            let error = read(&caller, ptr, len)?;
            caller.data_mut().guest_error = Some(String::from_utf8_lossy(&error).into_owned());
            Ok(())
        },
    )?;
    linker.func_wrap(
        "wapc",
        "__host_call",
        |mut caller: Caller<'_, State>,
         binding_ptr: i32,
         binding_len: i32,
         namespace_ptr: i32,
         namespace_len: i32,
         operation_ptr: i32,
         operation_len: i32,
         ptr: i32,
         len: i32|
         -> Result<i32, Error> {
            let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
            let binding = text(read(&caller, binding_ptr, binding_len)?);
            let namespace = text(read(&caller, namespace_ptr, namespace_len)?);
            let operation = text(read(&caller, operation_ptr, operation_len)?);
            let payload = read(&caller, ptr, len)?;
            let capabilities = Arc::clone(&caller.data().capabilities);
            let answer = capabilities.answer(&binding, &namespace, &operation, &payload);
            let state = caller.data_mut();
            match answer {
                Ok(response) => {
                    state.host_response = response;
                    state.host_error.clear();
                    Ok(1)
                }
                Err(error) => {
                    state.host_response.clear();
                    state.host_error = error.to_string().into_bytes();
                    Ok(0)
                }
            }
        },
    )?;
    // The host's last answer and last error, each read by the guest as a length, then the bytes.
    type Buffer = fn(&State) -> &Vec<u8>;
    let buffers: [(&str, &str, Buffer); 2] = [
        ("__host_response_len", "__host_response", |state| {
            &state.host_response
        }),
        ("__host_error_len", "__host_error", |state| {
            &state.host_error
        }),
    ];
    for (len_name, name, buffer) in buffers {
        linker.func_wrap("wapc", len_name, move |caller: Caller<'_, State>| -> i32 {
            length(buffer(caller.data()))
        })?;
        linker.func_wrap(
            "wapc",
            name,
            move |mut caller: Caller<'_, State>, ptr: i32| -> Result<(), Error> {
                let bytes = buffer(caller.data()).clone();
                write(&mut caller, ptr, &bytes)
            },
        )?;
    }
    Ok(())
}

const WASI: &str = "wasi_snapshot_preview1";
const ERRNO_SUCCESS: i32 = 0;
const ERRNO_BADF: i32 = 8;

fn define_wasi(linker: &mut Linker<State>) -> Result<()> {
    linker.func_wrap(
        WASI,
        "environ_sizes_get",
        |mut caller: Caller<'_, State>, count_ptr: i32, size_ptr: i32| -> Result<i32, Error> {
            write(&mut caller, count_ptr, &0u32.to_le_bytes())?;
            write(&mut caller, size_ptr, &0u32.to_le_bytes())?;
            Ok(ERRNO_SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI,
        "environ_get",
        |_: Caller<'_, State>, _environ: i32, _buffer: i32| -> i32 { ERRNO_SUCCESS },
    )?;
    linker.func_wrap(
        WASI,
        "random_get",
        |mut caller: Caller<'_, State>, ptr: i32, len: i32| -> Result<i32, Error> {
            let len = usize::try_from(len).map_err(|_| Error::new("negative length"))?;
            let mut bytes = Vec::with_capacity(len);
            let state = caller.data_mut();
            while bytes.len() < len {
                // xorshift64*: the guest seeds hash maps with it; nothing cryptographic.
                state.random ^= state.random >> 12;
                state.random ^= state.random << 25;
                state.random ^= state.random >> 27;
                let next = state.random.wrapping_mul(0x2545_f491_4f6c_dd1d);
                bytes.extend_from_slice(&next.to_le_bytes());
            }
            bytes.truncate(len);
            write(&mut caller, ptr, &bytes)?;
            Ok(ERRNO_SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI,
        "fd_write",
        |mut caller: Caller<'_, State>,
         fd: i32,
         iovs: i32,
         iovs_len: i32,
         written_ptr: i32|
         -> Result<i32, Error> {
            let mut bytes = Vec::new();
            for i in 0..iovs_len {
                let iov = read(&caller, iovs.wrapping_add(i * 8), 8)?;
                let ptr = i32::from_le_bytes([iov[0], iov[1], iov[2], iov[3]]);
                let len = i32::from_le_bytes([iov[4], iov[5], iov[6], iov[7]]);
                bytes.extend(read(&caller, ptr, len)?);
            }
            let result = match fd {
                1 => std::io::stdout().write_all(&bytes),
                2 => std::io::stderr().write_all(&bytes),
                _ => return Ok(ERRNO_BADF),
            };
            if result.is_err() {
                return Ok(ERRNO_BADF);
            }
            write(
                &mut caller,
                written_ptr,
                &(bytes.len() as u32).to_le_bytes(),
            )?;
            Ok(ERRNO_SUCCESS)
        },
    )?;
    linker.func_wrap(
        WASI,
        "proc_exit",
        |_: Caller<'_, State>, code: i32| -> Result<(), Error> { Err(Error::i32_exit(code)) },
    )?;
    Ok(())
}
