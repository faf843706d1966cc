-- wrk script for bench/deliberation.sh: replies through HTTP, one signed-in member per request
-- in turn (bearer tokens), each a reply to one of the seeded speeches. Counts the 201s (replies
-- committed) and everything else separately; prints them at the end as
-- "created=N other=M first_other=<status> <body>".
--   wrk -t1 -c64 -d5s -s bench/deliberation_reply.lua http://HOST:PORT/api/v1/deliberations/ID/posts -- TOKENS PARENTS [SALT]
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  tokens, parents = {}, {}
  for line in io.lines(args[1]) do if line ~= "" then tokens[#tokens + 1] = line end end
  for line in io.lines(args[2]) do if line ~= "" then parents[#parents + 1] = line end end
  salt = args[3] or "0"
  n = 0
  created, other, first_other = 0, 0, ""
end

local texts = {
  "完全赞同这条建议，我们县的情况也类似，希望尽快推广。",
  "建议补充资金保障和考核办法，否则容易停留在纸面上。",
  "同意。另外农村和城市差别较大，要分类施策、因地制宜。",
  "这个问题群众反映很多，建议相关部门在回应阶段给出时间表。",
}

function request()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  -- Parents in an order unrelated to the token's, so one member answers many speeches.
  local parent = parents[((n * 7) % #parents) + 1]
  local body = '{"parent_id":' .. parent .. ',"body":"' .. texts[(n % #texts) + 1] .. '（' .. salt .. '-' .. n .. '）"}'
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    if first_other == "" then first_other = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local c, o, f = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    if f == "" then f = t:get("first_other") end
  end
  io.write(string.format("created=%d other=%d first_other=%s\n", c, o, f))
end
