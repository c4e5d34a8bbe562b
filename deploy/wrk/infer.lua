-- wrk script for octet's inference endpoints: POSTs one JSON body read from a
-- file to the URL's path (/infer or /v2/models/<model>/infer), counts answers
-- of 400 and above (wrk's own count) and prints one parseable result line from done().
--
--   wrk -t2 -c64 -d10s --latency -s deploy/wrk/infer.lua \
--       http://127.0.0.1:8000/infer -- BODY_FILE [LABEL] ["Header: value" ...]
--
-- BODY_FILE: made by deploy/wrk/make_bodies.py (infer_<model>.json for /infer,
-- v2_<model>.json for /v2/models/<model>/infer). LABEL (optional) is echoed in
-- the result line. Further arguments are request headers, e.g. for the KServe
-- binary tensor extension "Inference-Header-Content-Length: 100" (and
-- "Content-Type: application/octet-stream"; the default is application/json).
-- done() prints:
--   WRK_RESULT label=L requests=N duration_s=S rps=R p50_us=A p90_us=B p99_us=C max_us=D non200=K
--              connect_err=. read_err=. write_err=. timeout_err=.

local threads = {}

-- main state: keep every thread to gather its counters in done()
function setup(thread)
   table.insert(threads, thread)
end

-- thread states: the request (static: wrk formats it once per thread)
function init(args)
   local path = args[1]
   if not path then
      io.stderr:write("infer.lua: give the body file after --, e.g. -- infer_fmnist_mlp.json\n")
      os.exit(2)
   end
   local f, err = io.open(path, "rb")
   if not f then
      io.stderr:write("infer.lua: cannot read " .. tostring(path) .. ": " .. tostring(err) .. "\n")
      os.exit(2)
   end
   wrk.method = "POST"
   wrk.body = f:read("*a")
   f:close()
   wrk.headers["Content-Type"] = "application/json"
   for i = 3, #args do
      local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
      if not name then
         io.stderr:write("infer.lua: a header must read 'Name: value', got '" .. args[i] .. "'\n")
         os.exit(2)
      end
      wrk.headers[name] = value
   end
   label = args[2] or path
end

-- No response() callback: with one, wrk hands every answer to Lua, which costs
-- it more CPU than many servers spend on the request (and wrk shares the
-- machine with the server here). Non-200 answers come from wrk's own count
-- (summary.errors.status: answers with a status >= 400).

function done(summary, latency, requests)
   local name = nil
   for _, t in ipairs(threads) do name = name or t:get("label") end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "WRK_RESULT label=%s requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "non200=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
      tostring(name or "-"):gsub("%s", "_"), summary.requests, secs, secs > 0 and summary.requests / secs or 0,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout))
end
