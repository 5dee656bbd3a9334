-- Fuzz findings (fuzz target load_binary_mutate): binary chunks that the
-- loader's verifier (verify_code in src/dump.rs) accepts but that make the VM
-- panic when run. Each must load with an error, or run to a Lua error or a
-- result; the script must not crash. The chunks are in Crescent's own dump
-- format: if that format changes they may stop loading (and stop testing).
debug.sethook(function() error("budget") end, "", 1000000)
local function run(hex)
  local bad = hex:gsub("..", function(h) return string.char(tonumber(h, 16)) end)
  local f = load(bad, "=fuzz", "b")
  if f then pcall(f) end
end

-- TAILCALL with a bad C: with overflow checks, vm.rs:891:36 (6757cfb) 'attempt to
-- subtract with overflow' (ci.func - delta); release build of f17c4f2: vm.rs:899:36
-- 'index out of bounds: the len is 40 but the index is 18446744073709551520'
-- seed source: local function f(n) if n < 2 then return n end return f(n - 1) + f(n - 2) end return f(10)
run("1b4c7561540019930d0a1a0a0408087856000000000000000000000028774001"
  .. "01053d73656564000000010307510000004f0000008000000001810480c58002"
  .. "6ac6800001c68001010001010000010001010100040f3e008100380000804800"
  .. "0200890000001501007e2f008007c4000202090100009501007d2f0081074401"
  .. "0202a2000102ae000206c8000200c70001000001010000000f01010101010101"
  .. "010101010101010101016e000f0101660701010101010101010166020701045f"
  .. "454e56"
)

-- RETURN with k and a bad C: with overflow checks, vm.rs:944:25 (6757cfb) 'attempt to
-- subtract with overflow' (func -= extra + nparams1); release build of f17c4f2:
-- call.rs:157:31 'index out of bounds: the len is 40 but the index is 18446744073709551613'
-- seed source: return 1
run("1b4c7561540019930d0a1a0a0408087856000000000000000000000028774001"
  .. "01053d7365656400000001020451000000010000804600020d46000101000101"
  .. "00000004010101010001045f454e56"
)

-- a CALL wanting more results than the stack holds, then RETURN0/RETURN1 fills
-- them with nil: vm.rs:994:40 (6757cfb), vm.rs:1000:40 (f17c4f2, release)
-- 'index out of bounds: the len is 40 but the index is 40'
-- seed source: local function f(n) if n < 2 then return n end return f(n - 1) + f(n - 2) end return f(10)
run("1b4c7561540019930d0a1a0a0408087856000000000000000000000028774001"
  .. "01053d73656564000000010307510000004f0000008000000001810480c58002"
  .. "01c6800001c68001010001010000010001010100040f3e008100380000804800"
  .. "0200890000001501007e2f008007c40002fd090100009501007d2f0081074401"
  .. "0202a2000102ae000206c8000200c70001000001010000000f01010101010101"
  .. "010101010101010101016e000f0101660701010101010101010166020701045f"
  .. "454e56"
)

print("ok")

-- CALL with B = 0 (arguments up to the top) where no open call or vararg set
-- the top (a LEN turned into CALL 5 0 0): the native callee saw the top below
-- its function slot; with overflow checks, call.rs:127:23 (5f3d31b) 'attempt to
-- subtract with overflow'. Found by fuzz campaign 4; seed
-- fuzz/seeds/load_binary_mutate/call_b0_stale_top.
-- seed source: local a = {} for i = 1, 100 do a[#a + 1] = i end table.sort(...) ...
run("1b4c7561540019930d0a1a0a0408087856000000000000000000000028774001"
  .. "01053d7365656400000001072e51000000130000005200000081000080018131"
  .. "8081010080ca000200c402000095020580af02800610000504c98002008b0000"
  .. "008e00010100010000cf010000c40003018b0000008e00010200010000888101"
  .. "00c40003020d0100018d0100023a8103003800008006010000070100008d0100"
  .. "01bf8182003800008086010000870100000d0200023f82820038000080060200"
  .. "00070200008302020003830200ba820600380000808602000087020000c60006"
  .. "01c60001010605057461626c650504736f72740506636f6e63617405012c0501"
  .. "78050179010100000100010102000306ba800000380000800601000007010000"
  .. "480102004701010000000006010101010101020178000601790006002e010101"
  .. "0101010101010101010101010101010101010101010101010101010101010101"
  .. "0101010101010101010101050161032e0b28666f7220730361746529060c0b28"
  .. "666f7220737461746529060c0b28666f7220737461746529060c0169070b0104"
  .. "5f454e56"
)
