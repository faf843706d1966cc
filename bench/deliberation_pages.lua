-- wrk script for bench/deliberation.sh: reads a whole deliberation page by page (the paths of
-- its pages of 50, one a line, following next_cursor), round and round: anonymously, or as
-- the member whose bearer TOKEN is given.
--   wrk -t1 -c64 -d5s -s bench/deliberation_pages.lua http://HOST:PORT -- PAGES [TOKEN]
function init(args)
  pages = {}
  for line in io.lines(args[1]) do if line ~= "" then pages[#pages + 1] = line end end
  headers = {}
  if args[2] and args[2] ~= "" then headers["Authorization"] = "Bearer " .. args[2] end
  n = 0
end

function request()
  n = n + 1
  return wrk.format("GET", pages[(n % #pages) + 1], headers)
end
