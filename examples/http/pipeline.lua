-- wrk script: send N requests (default 16) in one write, so the server sees them
-- pipelined. Usage: wrk -s pipeline.lua http://127.0.0.1:8080/plaintext -- 16
local batch

init = function(args)
  local n = tonumber(args[1]) or 16
  local path = wrk.path
  local parts = {}
  for i = 1, n do
    parts[i] = wrk.format(nil, path)
  end
  batch = table.concat(parts)
end

request = function()
  return batch
end
