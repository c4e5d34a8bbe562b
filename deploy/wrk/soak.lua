-- wrk script for the soak test (bench/soak.sh): one kind of request per wrk run,
-- with the answer it must get. Every answer is checked: its status, and for
-- some kinds a piece of text the body must hold. Unexpected answers are counted
-- and the first one is kept as a sample.
--
--   wrk -t1 -c8 -d600s -s deploy/wrk/soak.lua URL -- METHOD BODY_FILE|- STATUS [MUST_CONTAIN|-] [LABEL] ["H: v"...]
--
-- done() prints:
--   SOAK_RESULT label=L requests=N rps=R p50_us=A p99_us=B unexpected=K errors=E
--   SOAK_SAMPLE label=L status=S body=<first bytes>        (when unexpected > 0)
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   wrk.method = args[1] or "GET"
   if args[2] and args[2] ~= "-" then
      local f = assert(io.open(args[2], "rb"))
      wrk.body = f:read("*a")
      f:close()
      wrk.headers["Content-Type"] = "application/json"
   end
   want_status = tonumber(args[3] or "200")
   want_text = args[4] ~= "-" and args[4] or nil
   label = args[5] or "?"
   for i = 6, #args do
      local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
      if name then wrk.headers[name] = value end
   end
   unexpected = 0
   sample = nil
end

function response(status, headers, body)
   local ok = status == want_status and (not want_text or (body and string.find(body, want_text, 1, true)))
   if not ok then
      unexpected = unexpected + 1
      if not sample then sample = tostring(status) .. " " .. string.sub(body or "", 1, 160):gsub("%s", " ") end
   end
end

function done(summary, latency, requests)
   local bad, smp, name = 0, nil, nil
   for _, t in ipairs(threads) do
      bad = bad + (t:get("unexpected") or 0)
      smp = smp or t:get("sample")
      name = name or t:get("label")
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format("SOAK_RESULT label=%s requests=%d rps=%.1f p50_us=%d p99_us=%d unexpected=%d errors=%d\n",
      name or "?", summary.requests, secs > 0 and summary.requests / secs or 0, latency:percentile(50),
      latency:percentile(99), bad, e.connect + e.read + e.write + e.timeout))
   if smp then io.write(string.format("SOAK_SAMPLE label=%s %s\n", name or "?", smp)) end
end
