--- hello
print("hi", 1, 2.0, nil, true)
show({3,2,1,x={y=1}})
E(error, "boom")
E(function() local t = nil; return t.x end)
