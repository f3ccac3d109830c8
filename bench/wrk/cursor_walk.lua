-- GET /api/posts?limit=10&cursor=... over many pages: each thread pages down the feed
-- from its own starting page, as readers scrolling, through the cursors in CURSORS_FILE
-- (one a line: each page's last post, as the previous page's next_cursor names it).
local cursors = {}
for line in io.lines(os.getenv("CURSORS_FILE")) do cursors[#cursors + 1] = line end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("start", threads * 7919)
end
local n = 0
request = function()
  n = n + 1
  local i = (start + n) % #cursors + 1
  return wrk.format("GET", "/api/posts?limit=10&cursor=" .. cursors[i])
end
