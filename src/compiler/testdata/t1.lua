local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end
print(fib(20), 1/2, 10//3, 2^53, "a".."b"..1 ..2.5)
local t = {}
for i=1,10 do t[i] = i*i end
print(#t, t[10], select('#', 1, 2, 3))
print(pcall(error, {code=1}))
print(pcall(function() local x = nil; return x.y end))
for k, v in pairs({a=1}) do print(k, v) end
print(math, string, tostring(nil))
