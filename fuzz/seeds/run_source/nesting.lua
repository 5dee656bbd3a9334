local function outer()
  local up = 0
  return function(...)
    local n = select('#', ...)
    do local x = up + n; up = x end
    if n > 0 then return up elseif n < 0 then return nil else return ... end
  end
end
local o = {}
function o.a.b:c(x) return self, x end
return ((((1 + 2) * 3) - 4) / 5), {{{}}}, outer()(1, 2)
