-- PATCH /api/users/{USER_ID}/picture with a prebuilt multipart body (BODY_FILE).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*all")
f:close()
wrk.method = "PATCH"
wrk.path = "/api/users/" .. os.getenv("USER_ID") .. "/picture"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=folio-bench-boundary"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
