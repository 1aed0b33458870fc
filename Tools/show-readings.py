#!/usr/bin/env python3
"""Prints `helsebro decode` JSON (read from standard input) as one line a reading, for people."""
import json
import sys

report = json.load(sys.stdin)
if report["rejected"]:
    print("   QUARANTINED: " + report["rejected"]["reason"])
for r in report["readings"]:
    value = r["value"] if r["value"] is not None else "(absent: %s)" % r["absent"]
    codes = ", ".join(x for x in [r["loinc"] and "LOINC " + r["loinc"], r["mdc"] and "MDC %d" % r["mdc"]] if x)
    status = (" [" + ", ".join(r["status"]) + "]") if r["status"] else ""
    print("   %-24s %10s %-9s %-20s %s%s" % (r["metric"][-24:], value, r["unit"], r["time"] or "(no time)", codes, status))
