-- wrk script for bench/deliberation.sh: reads a whole deliberation page by page (the paths of
-- its pages of 50, one a line, following next_cursor), round and round, anonymously.
--   wrk -t1 -c64 -d5s -s bench/deliberation_pages.lua http://HOST:PORT -- PAGES
function init(args)
  pages = {}
  for line in io.lines(args[1]) do if line ~= "" then pages[#pages + 1] = line end end
  n = 0
end

function request()
  n = n + 1
  return wrk.format("GET", pages[(n % #pages) + 1])
end
