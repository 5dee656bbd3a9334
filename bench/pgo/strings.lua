-- PGO training: concatenation, formatting, conversions, the string library and
-- its patterns, buffers through table.concat, output.
local function building(n)
  local parts = {}
  for i = 1, n do parts[#parts + 1] = "item" .. i .. ":" .. (i * 2) end
  local s = table.concat(parts, ",")
  local acc = ""
  for i = 1, 2000 do acc = acc .. string.char(65 + i % 26) end
  local lines = {}
  for i = 1, n // 4 do
    lines[i] = string.format("%5d %-8s %8.3f %x %q", i, "name" .. i % 10, i / 7, i, "s" .. i)
  end
  return #s + #acc + #table.concat(lines, "\n")
end

local function scanning(n)
  local text = string.rep("the quick brown fox jumps over the lazy dog 12345 ", n // 50)
  local count = 0
  for w in text:gmatch("%a+") do count = count + #w end
  for num in text:gmatch("%d+") do count = count + tonumber(num) % 7 end
  local replaced, k = text:gsub("o", "0")
  count = count + k + #replaced
  count = count + select(2, text:gsub("(%w+) (%w+)", "%2 %1"))
  local pos = 1
  while true do
    local a, b = text:find("fox", pos, true)
    if not a then break end
    count = count + 1; pos = b + 1
  end
  for i = 1, #text, 97 do count = count + text:byte(i) + #text:sub(i, i + 5) end
  count = count + #text:upper() + #text:lower() + #text:reverse()
  local dna = {}
  local bases = { "A", "C", "G", "T" }
  for i = 1, n do dna[i] = bases[(i * 7 + i // 3) % 4 + 1] end
  local seq = table.concat(dna)
  local freq = {}
  for i = 1, #seq - 2 do
    local kmer = seq:sub(i, i + 2)
    freq[kmer] = (freq[kmer] or 0) + 1
  end
  for _, pat in ipairs({ "AC[GT]", "[AT]GG", "T.A" }) do
    for _ in seq:gmatch(pat) do count = count + 1 end
  end
  for _, v in pairs(freq) do count = count + v end
  return count
end

local function converting(n)
  local s = 0
  for i = 1, n do
    local str = tostring(i)
    s = s + tonumber(str) + #tostring(i + 0.5) + (tonumber("0x" .. string.format("%x", i)) or 0)
    if str == "100" then s = s + 1 end
    local a, b = "k" .. i % 100, "k" .. (i + 1) % 100
    if a < b then s = s + 1 end
  end
  return s
end

local function output(n)
  local out = io.open("/dev/null", "w") or io.stdout
  for i = 1, n do out:write(i, " ", i * 0.25, "\n") end
  for i = 1, n // 10 do out:write(string.format("%d %s\n", i, string.rep("x", i % 60))) end
  if out ~= io.stdout then out:close() end
  return n
end

local scale = tonumber(arg and arg[1]) or 1
print(building(100000 * scale), scanning(200000 * scale), converting(200000 * scale), output(200000 * scale))
