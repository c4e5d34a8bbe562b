"""Put a benchmark's table into a markdown file between <!-- MARK:begin --> and
<!-- MARK:end -->, replacing an earlier run, or append it under a new heading.
Usage: python3 bench/doc_section.py DOC TABLE_FILE MARK "Heading when new"
(bench/server_bench.sh and bench/soak.sh write docs/BENCHMARKS.md with it)."""
import sys

doc, table, mark, heading = sys.argv[1], open(sys.argv[2]).read().rstrip("\n"), sys.argv[3], sys.argv[4]
begin, end = f"<!-- {mark}:begin -->", f"<!-- {mark}:end -->"
text = open(doc).read()
block = f"{begin}\n{table}\n{end}"
if begin in text and end in text:
    a, b = text.index(begin), text.index(end) + len(end)
    text = text[:a] + block + text[b:]
else:
    text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
open(doc, "w").write(text)
