local f = load(string.dump(function(a, ...) local b = {...} return a + #b end))
return f(1, 2, 3), string.pack("i4 s1 z d", 7, "ab", "cd", 1.5)
