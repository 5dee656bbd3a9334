-- PGO training: classes through metatables, method calls, closures and upvalues,
-- varargs, deep and shallow recursion, multiple returns.
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end
function Point:len2() return self.x * self.x + self.y * self.y end
Point.__add = Point.add
Point.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Point.__lt = function(a, b) return a:len2() < b:len2() end

local Shape = {}
Shape.__index = Shape
function Shape.new(kind) return setmetatable({ kind = kind, area = 0 }, Shape) end
function Shape:describe() return self.kind end
local Circle = setmetatable({}, { __index = Shape })
Circle.__index = Circle
function Circle.new(r) local c = Shape.new("circle"); c.r = r; return setmetatable(c, Circle) end
function Circle:compute() self.area = 3.14159 * self.r * self.r; return self.area end
local Square = setmetatable({}, { __index = Shape })
Square.__index = Square
function Square.new(s) local q = Shape.new("square"); q.s = s; return setmetatable(q, Square) end
function Square:compute() self.area = self.s * self.s; return self.area end

local function objects(n)
  local p, total = Point.new(0, 0), 0
  local step = Point.new(1, 2)
  for i = 1, n do
    p = p + step
    if p == step then total = total + 1 end
    if step < p then total = total + 1 end
  end
  local shapes = {}
  for i = 1, 100 do shapes[i] = (i % 2 == 0) and Circle.new(i) or Square.new(i) end
  for _ = 1, n // 100 do
    for i = 1, #shapes do
      local s = shapes[i]
      total = total + s:compute() + #s:describe()
    end
  end
  return total + p:len2()
end

local function closures(n)
  local function counter()
    local c = 0
    return function(d) c = c + (d or 1); return c end
  end
  local total = 0
  for i = 1, n do
    local f = counter()
    f(); f(i)
    total = total + f()
  end
  local adders = {}
  for i = 1, 50 do adders[i] = function(x) return x + i end end
  for _ = 1, n // 50 do
    for i = 1, 50 do total = adders[i](total) % 1000003 end
  end
  return total
end

local function varargs(n)
  local function sum(...)
    local s = 0
    for i = 1, select("#", ...) do s = s + (select(i, ...)) end
    return s
  end
  local function pack(...) return { ... } end
  local function pass(...) return ... end
  local function three() return 1, 2, 3 end
  local total = 0
  for i = 1, n do
    total = total + sum(i, 2, 3) + #pack(pass(i, i, i)) + select(2, three())
    local a, b, c = three()
    total = total + a + b + c + table.unpack({ 1, 2 })
  end
  return total
end

local function recursion(n)
  local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end
  local function ack(m, k)
    if m == 0 then return k + 1 end
    if k == 0 then return ack(m - 1, 1) end
    return ack(m - 1, ack(m, k - 1))
  end
  local function hanoi(k, from, to, via, moves)
    if k == 0 then return moves end
    moves = hanoi(k - 1, from, via, to, moves)
    return hanoi(k - 1, via, to, from, moves + 1)
  end
  local function tree(d) if d == 0 then return { } end return { tree(d - 1), tree(d - 1) } end
  local function count(t) if t[1] == nil then return 1 end return 1 + count(t[1]) + count(t[2]) end
  local total = 0
  for _ = 1, n do total = total + fib(20) + ack(2, 30) + hanoi(12, 1, 3, 2, 0) + count(tree(10)) end
  total = total + ack(3, 6)
  return total
end

local scale = tonumber(arg and arg[1]) or 1
print(objects(300000 * scale), closures(200000 * scale), varargs(200000 * scale), recursion(10 * scale))
