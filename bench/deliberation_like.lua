-- wrk script for bench/deliberation.sh: likes through HTTP. Request n is member n % #tokens
-- liking post (n / #tokens + offset) of the 1,000-post deliberation, so that no pair repeats
-- (every like is a real change: a row, a count, an event, a ledger entry) until
-- #tokens x #posts likes. Counts the 200s; prints "liked=N other=M first_other=...".
--   wrk -t1 -c64 -d5s -s bench/deliberation_like.lua http://HOST:PORT -- TOKENS POSTS OFFSET
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  tokens, posts = {}, {}
  for line in io.lines(args[1]) do if line ~= "" then tokens[#tokens + 1] = line end end
  for line in io.lines(args[2]) do if line ~= "" then posts[#posts + 1] = line end end
  offset = tonumber(args[3] or "0")
  n = 0
  liked, other, first_other = 0, 0, ""
end

function request()
  local token = tokens[(n % #tokens) + 1]
  local post = posts[((math.floor(n / #tokens) + offset) % #posts) + 1]
  n = n + 1
  return wrk.format("POST", "/api/v1/posts/" .. post .. "/like", {["Authorization"] = "Bearer " .. token}, "")
end

function response(status, headers, body)
  if status == 200 then
    liked = liked + 1
  else
    other = other + 1
    if first_other == "" then first_other = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local c, o, f = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("liked")
    o = o + t:get("other")
    if f == "" then f = t:get("first_other") end
  end
  io.write(string.format("liked=%d other=%d first_other=%s\n", c, o, f))
end
