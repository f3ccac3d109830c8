-- GET /api/posts/{id} over the seeded posts, spread evenly.
local first = tonumber(os.getenv("FIRST_POST") or "1")
local count = tonumber(os.getenv("POSTS") or "10000")
request = function()
  return wrk.format("GET", "/api/posts/" .. (first + math.random(0, count - 1)))
end
