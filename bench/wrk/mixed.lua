-- 90% reads, 10% writes, through the gateway, as a blog's traffic might be:
-- reads: 35% one post, 25% the feed's first page, 15% a user's feed, 15% a profile;
-- writes: 7% new post, 3% edit of one of the bench user's own posts (OWN_POSTS ids).
local first_post = tonumber(os.getenv("FIRST_POST"))
local posts = tonumber(os.getenv("POSTS"))
local first_user = tonumber(os.getenv("FIRST_USER"))
local users = tonumber(os.getenv("USERS"))
local token = os.getenv("TOKEN")
local own = {}
for id in string.gmatch(os.getenv("OWN_POSTS"), "%d+") do own[#own + 1] = id end
local json_auth = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
local n = 0
request = function()
  local roll = math.random(1, 100)
  if roll <= 35 then
    return wrk.format("GET", "/api/posts/" .. (first_post + math.random(0, posts - 1)))
  elseif roll <= 60 then
    return wrk.format("GET", "/api/posts?limit=10")
  elseif roll <= 75 then
    return wrk.format("GET", "/api/users/" .. (first_user + math.random(0, users - 1)) .. "/posts")
  elseif roll <= 90 then
    return wrk.format("GET", "/api/users/" .. (first_user + math.random(0, users - 1)))
  elseif roll <= 97 then
    n = n + 1
    return wrk.format("POST", "/api/posts", json_auth, '{"title":"Mixed ' .. n .. '","content":"Under load."}')
  else
    return wrk.format("PATCH", "/api/posts/" .. own[math.random(1, #own)], json_auth, '{"content":"Edited under load."}')
  end
end
