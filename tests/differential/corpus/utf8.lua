--- char_charpattern
show(utf8.char(72, 228, 8364, 128512), utf8.char(), utf8.char(0x7FFFFFFF):len(), utf8.charpattern)
E(utf8.char, -1)
E(utf8.char, 0x80000000)
E(utf8.char, "x")
--- codepoint
show(utf8.codepoint("häll€", 1, -1))
show(utf8.codepoint("abc"), utf8.codepoint("abc", 2), utf8.codepoint("abc", 4))
E(utf8.codepoint, "abc", 5)
E(utf8.codepoint, "\xff")
E(utf8.codepoint, "\u{D800}")
show(utf8.codepoint("\u{D800}", 1, 1, true))
E(utf8.codepoint, "\u{7FFFFFFF}")
show(utf8.codepoint("\u{7FFFFFFF}", 1, 1, true))
E(utf8.codepoint, "abc", 0)
--- len
show(utf8.len("häll€"), utf8.len(""), utf8.len("abc", 2), utf8.len("abc", 4), utf8.len("abc", -1), utf8.len("a\xffb"), utf8.len("\xe4"), utf8.len("häll€", 3))
E(utf8.len, "abc", 5)
E(utf8.len, "abc", 0)
show(utf8.len("\u{D800}"), utf8.len("\u{D800}", 1, -1, true), utf8.len("\xC0\x80"), utf8.len("\xF4\x90\x80\x80"), utf8.len("\xF4\x90\x80\x80", 1, -1, true))
--- offset
show(utf8.offset("häll€", 3), utf8.offset("häll€", -1), utf8.offset("häll€", 0, 3), utf8.offset("abc", 5), utf8.offset("abc", 4), utf8.offset("", 1), utf8.offset("abc", -4))
E(utf8.offset, "häll€", 1, 3)
E(utf8.offset, "abc", 1, 5)
show(utf8.offset("abc", 0), utf8.offset("abc", 1, -1))
--- codes
for p, c in utf8.codes("hä€") do io.write(p, ":", c, " ") end print()
E(function() for p, c in utf8.codes("a\xffb") do io.write(p, " ") end end)
E(function() for p, c in utf8.codes("\u{D800}") do end end)
E(function() for p, c in utf8.codes("\u{D800}", true) do io.write(c) end print() end)
for p, c in utf8.codes("") do print("never") end
E(function() for p, c in utf8.codes("a\x80") do io.write(p, " ") end end)
E(function() for p, c in utf8.codes("\xe4bc") do io.write(p, " ") end end)
--- escapes
show("\u{48}\u{E4}\u{20AC}", #"\u{7FFFFFFF}", "\x41\65\066\z
       continued", "a\
b", "\'\"\a\b\f\v" == "'\"\7\8\12\11")
