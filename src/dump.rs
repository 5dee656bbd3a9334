//! Binary chunks (`string.dump` and loading them back): PUC 5.4's header, then
//! our own encoding of the prototype. Everything read is validated: a corrupt
//! or hostile chunk gives an error, never a crash.

use crate::compiler::proto::FunctionProto;

/// Reads a binary chunk (not yet supported: reports a clean error).
pub fn undump(_chunk: &[u8], chunkname: &[u8]) -> Result<FunctionProto, String> {
    let name = crate::compiler::chunk_id(chunkname);
    Err(format!(
        "{}: bad binary format (not supported yet)",
        String::from_utf8_lossy(&name)
    ))
}
