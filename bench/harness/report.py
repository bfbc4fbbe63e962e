"""The benchmark's results as a Markdown table and as JSON, side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DASH = "—"


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}"


def operations_table(rows: list[dict[str, Any]]) -> str:
    head = [
        "document",
        "median ms",
        "p99 ms",
        "req/s",
        "median ms @C",
        "p99 ms @C",
        "req/s @C",
        "@C ÷ alone",
        "SQL",
        "KB",
        "peak RSS MB",
        "reference ms",
        "× reference",
        "note",
    ]
    lines = ["| " + " | ".join(head) + " |", "| --- " + "| ---: " * (len(head) - 2) + "| --- |"]
    skipped = [row for row in rows if row.get("skipped")]
    for row in rows:
        if row in skipped:
            continue
        seq, conc, ref = row.get("sequential"), row.get("concurrent"), row.get("reference")
        ref_ok = ref is not None and ref.get("matches")
        cells = [
            f"`{row['document']}`",
            _n(seq and seq["median_ms"], 1),
            _n(seq and seq["p99_ms"], 1),
            _n(seq and seq["requests_per_second"], 1),
            _n(conc and conc["median_ms"], 1),
            _n(conc and conc["p99_ms"], 1),
            _n(conc and conc["requests_per_second"], 1),
            f"{conc['requests_per_second'] / seq['requests_per_second']:.2f}×"
            if seq and conc and seq["requests_per_second"]
            else DASH,
            _n(row.get("statements")),
            _n(row["bytes"] / 1024, 1) if row.get("bytes") else DASH,
            _n(row["peak_rss_kb"] / 1024) if row.get("peak_rss_kb") else DASH,
            _n(ref.get("median_ms"), 1) if ref_ok else DASH,
            f"{ref['ratio']:.1f}×" if ref_ok and ref.get("ratio") else DASH,
            row.get("note", ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    by_reason: dict[str, list[str]] = {}
    for row in skipped:
        by_reason.setdefault(row.get("note", ""), []).append(f"`{row['document']}`")
    for reason, documents in by_reason.items():
        lines += ["", f"Not timed ({reason}): {', '.join(documents)}."]
    return "\n".join(lines)


def write(out: Path, name: str, markdown: str, data: dict[str, Any]) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / f"{name}.md", out / f"{name}.json"
    md.write_text(markdown + "\n")
    js.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return md, js
