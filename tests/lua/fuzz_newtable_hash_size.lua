-- Fuzz finding (load_binary_mutate): a binary chunk whose NEWTABLE has a hash
-- size field B >= 65 passes the loader's verifier, then the VM computes
-- `1usize << (b - 1)` (src/vm.rs, OpCode::NEWTABLE): a shift overflow (panic
-- with overflow checks; with them off, a huge table size). Loading or running
-- it must give a Lua error (or a table), never a crash.
local d = string.dump(function() return {} end)
local pat = "\x13\0\0\0\x52\0\0\0"       -- NEWTABLE 0 0 0; EXTRAARG 0
local i = assert(d:find(pat, 1, true), "NEWTABLE not found in the dump")
for _, b in ipairs({65, 100, 255}) do
  local bad = d:sub(1, i + 1) .. string.char(b) .. d:sub(i + 3)
  local f = load(bad, "=bad", "b")
  if f then pcall(f) end
end
print("ok")
