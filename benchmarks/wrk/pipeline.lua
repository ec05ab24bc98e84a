-- wrk script: send DEPTH (default 16) GET requests back to back in one
-- write; wrk counts each response, so Requests/sec counts requests.
--   wrk -s pipeline.lua http://127.0.0.1:PORT/ -- 16
local depth = 16
local batch

function init(args)
  if args[1] then depth = tonumber(args[1]) end
  local one = wrk.format("GET", "/")
  batch = string.rep(one, depth)
end

function request()
  return batch
end
