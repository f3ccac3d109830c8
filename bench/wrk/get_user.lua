-- GET /api/users/{id} over ids 1..USERS, spread evenly.
local users = tonumber(os.getenv("USERS") or "1000")
request = function()
  return wrk.format("GET", "/api/users/" .. math.random(1, users))
end
