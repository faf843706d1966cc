-- wrk script for bench/soak.sh: a mix of anonymous page reads of the demo deliberation and
-- replies by signed-in members (bearer tokens), optionally paced (a pause before each request).
-- Counts answers by class; prints "ok=N created=M other=K first_other=<status> <body>" at the end.
--   wrk -t1 -c32 -d60s -s bench/soak.lua http://HOST:PORT -- TOKENS PARENTS DEMO_ID WRITE_PERCENT DELAY_MS
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  tokens, parents = {}, {}
  for line in io.lines(args[1]) do if line ~= "" then tokens[#tokens + 1] = line end end
  for line in io.lines(args[2]) do if line ~= "" then parents[#parents + 1] = line end end
  demo = args[3]
  write_percent = tonumber(args[4])
  pause = tonumber(args[5])
  n = 0
  ok, created, other, first_other = 0, 0, 0, ""
end

function delay()
  return pause
end

function request()
  n = n + 1
  if (n * 37) % 100 < write_percent then
    local token = tokens[(n % #tokens) + 1]
    local parent = parents[((n * 7) % #parents) + 1]
    local body = '{"parent_id":' .. parent .. ',"body":"浸泡测试的回复，持续写入（' .. n .. '）"}'
    return wrk.format("POST", "/api/v1/deliberations/" .. demo .. "/posts",
      {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/api/v1/deliberations/" .. demo .. "/posts?limit=50")
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    ok = ok + 1
  else
    other = other + 1
    if first_other == "" then first_other = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local o, c, x, f = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    c = c + t:get("created")
    x = x + t:get("other")
    if f == "" then f = t:get("first_other") end
  end
  io.write(string.format("ok=%d created=%d other=%d first_other=%s\n", o, c, x, f))
end
