-- GET PATH_TEMPLATE with {post} and {user} replaced by seeded ids, spread evenly
-- (for example /posts/{post} or /users/{user}/feed.xml).
local template = os.getenv("PATH_TEMPLATE")
local first_post = tonumber(os.getenv("FIRST_POST") or "1")
local posts = tonumber(os.getenv("POSTS") or "10000")
local first_user = tonumber(os.getenv("FIRST_USER") or "1")
local users = tonumber(os.getenv("USERS") or "1000")
request = function()
  local path = template:gsub("{post}", function() return first_post + math.random(0, posts - 1) end)
  path = path:gsub("{user}", function() return first_user + math.random(0, users - 1) end)
  return wrk.format("GET", path)
end
