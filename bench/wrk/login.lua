-- POST /api/users/token with the seeded account (the OAuth2 password form).
wrk.method = "POST"
wrk.body = "username=bench%40example.com&password=bench+password"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
