-- Request handler for examples/host.rs, loaded once per worker state.
-- A request is one line: "<route> <argument...>"; the handler returns
-- a status code and a body.

local host = require "host.api"   -- a Rust module, found through a preload hook

local routes = {}
local hits = 0                    -- per-worker state survives between requests

function routes.echo(arg) return 200, arg end

function routes.upper(arg) return 200, arg:upper() end

function routes.sum(arg)
  local total = 0
  for n in arg:gmatch("%-?%d+") do total = total + tonumber(n) end
  return 200, tostring(total)
end

function routes.fib(arg)
  local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
  local n = tonumber(arg) or 20
  if n > 30 then return 400, "n too large" end
  return 200, tostring(fib(n))
end

function routes.words(arg)
  local counts, order = {}, {}
  for w in arg:lower():gmatch("%a+") do
    if not counts[w] then order[#order + 1] = w end
    counts[w] = (counts[w] or 0) + 1
  end
  table.sort(order, function(a, b)
    if counts[a] ~= counts[b] then return counts[a] > counts[b] end
    return a < b
  end)
  local out = {}
  for i = 1, math.min(3, #order) do out[i] = order[i] .. "=" .. counts[order[i]] end
  return 200, table.concat(out, " ")
end

function routes.hits() return 200, string.format("worker %d has served %d", host.worker(), hits) end

function routes.time() return 200, string.format("%.3f", host.now()) end

-- Misbehaving routes: each is stopped by a host limit or guard.
function routes.spin() while true do end end
function routes.hog()
  local t = {}
  for i = 1, 1e8 do t[i] = string.rep("x", 64) .. i end
end
function routes.leak(arg) leaked_global = arg return 200, "leaked" end
function routes.fail(arg) error("handler failed: " .. arg) end

function handle(line)
  hits = hits + 1
  local route, arg = line:match("^(%S+)%s*(.*)$")
  local f = routes[route or ""]
  if not f then return 404, "no route '" .. tostring(route) .. "'" end
  return f(arg)
end
