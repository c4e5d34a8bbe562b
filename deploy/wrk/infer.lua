-- wrk script for octet's inference endpoints: POSTs one JSON body read from a
-- file to the URL's path (/infer or /v2/models/<model>/infer), counts answers
-- other than 200 and prints one parseable result line from done().
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
--   WRK_NON200 status=503 count=12 sample=<first bytes of one such answer>   (one per status seen)

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
   statuses = {}   -- status -> count (non-200 only)
   samples = {}    -- status -> first bytes of one answer
   non200 = 0
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      statuses[status] = (statuses[status] or 0) + 1
      if not samples[status] and body then
         samples[status] = string.sub(body, 1, 160):gsub("%s", " ")
      end
   end
end

function done(summary, latency, requests)
   local bad, by_status, sample, name = 0, {}, {}, nil
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non200") or 0)
      name = name or t:get("label")
      for s, n in pairs(t:get("statuses") or {}) do by_status[s] = (by_status[s] or 0) + n end
      for s, b in pairs(t:get("samples") or {}) do sample[s] = sample[s] or b end
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "WRK_RESULT label=%s requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "non200=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
      tostring(name or "-"):gsub("%s", "_"), summary.requests, secs, secs > 0 and summary.requests / secs or 0,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      bad, e.connect, e.read, e.write, e.timeout))
   for s, n in pairs(by_status) do
      io.write(string.format("WRK_NON200 status=%d count=%d sample=%s\n", s, n, sample[s] or ""))
   end
end
