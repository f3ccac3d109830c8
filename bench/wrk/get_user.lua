-- GET /api/users/{id} over the seeded users, spread evenly.
local first = tonumber(os.getenv("FIRST_USER") or "1")
local count = tonumber(os.getenv("USERS") or "1000")
request = function()
  return wrk.format("GET", "/api/users/" .. (first + math.random(0, count - 1)))
end
