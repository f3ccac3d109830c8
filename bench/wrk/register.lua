-- POST /api/users with a username and email no other request uses (thread id + counter).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  n = n + 1
  local name = "r" .. os.getenv("RUN") .. "t" .. tid .. "n" .. n
  local body = '{"username":"' .. name .. '","email":"' .. name .. '@example.com","password":"bench password"}'
  return wrk.format("POST", "/api/users", { ["Content-Type"] = "application/json" }, body)
end
