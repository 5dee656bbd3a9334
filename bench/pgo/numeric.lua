-- PGO training: integer and float arithmetic, numeric for loops, math library,
-- small records of floats, float arrays.
local floor, sqrt, sin, cos, abs, max, min = math.floor, math.sqrt, math.sin, math.cos, math.abs, math.max, math.min

local function integer_mix(n)
  local acc, x = 0, 12345
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    acc = acc + (x // 7) - (x % 13) + (i & 255) + (i >> 3) - (i << 1) + (x ~ i)
    if acc > 1 << 40 then acc = acc - (1 << 40) end
  end
  return acc
end

local function float_mix(n)
  local s, t = 0.0, 1.0
  for i = 1, n do
    local f = i * 0.5
    s = s + f / (f + 1.0) - sqrt(f) * 0.01 + sin(f) * cos(f)
    t = t * 1.0000001 + abs(s) * 1e-9
    s = max(min(s, 1e12), -1e12)
  end
  for x = 0.0, 100.0, 0.0001 do s = s + x * x - x / 3 end
  for i = 10, 1, -1 do s = s - i end
  return s + t
end

local function vectors(n)
  local bodies = {}
  for i = 1, 32 do
    bodies[i] = { x = i * 1.0, y = i * 2.0, z = -i * 0.5, vx = 0.0, vy = 0.0, vz = 0.0, mass = 1.0 + i / 10 }
  end
  for _ = 1, n do
    for i = 1, #bodies do
      local a = bodies[i]
      for j = i + 1, #bodies do
        local b = bodies[j]
        local dx, dy, dz = a.x - b.x, a.y - b.y, a.z - b.z
        local d2 = dx * dx + dy * dy + dz * dz + 0.01
        local mag = 0.001 / (d2 * sqrt(d2))
        a.vx = a.vx - dx * b.mass * mag; b.vx = b.vx + dx * a.mass * mag
        a.vy = a.vy - dy * b.mass * mag; b.vy = b.vy + dy * a.mass * mag
        a.vz = a.vz - dz * b.mass * mag; b.vz = b.vz + dz * a.mass * mag
      end
    end
    for i = 1, #bodies do
      local b = bodies[i]
      b.x, b.y, b.z = b.x + b.vx * 0.01, b.y + b.vy * 0.01, b.z + b.vz * 0.01
    end
  end
  return bodies[1].x
end

local function float_arrays(n)
  local a, b = {}, {}
  for i = 1, n do a[i] = i / n; b[i] = 1.0 - i / n end
  local dot = 0.0
  for _ = 1, 20 do
    for i = 1, n do dot = dot + a[i] * b[i]; a[i] = a[i] * 0.999 + b[i] * 0.001 end
  end
  local m = {}
  for i = 1, 60 do
    local row = {}
    for j = 1, 60 do row[j] = 1.0 / (i + j - 1) end
    m[i] = row
  end
  local v = {}
  for i = 1, 60 do v[i] = 1.0 end
  for _ = 1, 60 do
    local w = {}
    for i = 1, 60 do
      local row, s = m[i], 0.0
      for j = 1, 60 do s = s + row[j] * v[j] end
      w[i] = s
    end
    v = w
  end
  return dot + v[1]
end

local function conversions(n)
  local s = 0
  for i = 1, n do
    s = s + floor(i / 3) + math.tointeger(i * 2) + (i % 5 == 0 and 1 or 0)
    s = s + math.fmod(i, 7) + (i ^ 2 > 1e6 and 1 or 0) + math.type(i * 1.5) :len()
  end
  return s
end

local scale = tonumber(arg and arg[1]) or 1
print(integer_mix(2000000 * scale), float_mix(1000000 * scale), vectors(300 * scale),
      float_arrays(100000 * scale), conversions(300000 * scale))
