-- POST /api/users/forgot-password for seeded users (user2..userN), spread evenly.
local users = tonumber(os.getenv("USERS") or "1000")
request = function()
  local body = '{"email":"user' .. math.random(2, users) .. '@example.com"}'
  return wrk.format("POST", "/api/users/forgot-password", { ["Content-Type"] = "application/json" }, body)
end
