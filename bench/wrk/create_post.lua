-- POST /api/posts as the bench user (TOKEN), a new title each time.
local token = os.getenv("TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = '{"title":"Benchmark post ' .. n .. '","content":"Written under load by wrk."}'
  return wrk.format("POST", "/api/posts", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
