#!/usr/bin/env python3
"""Validates FHIR R4 (4.0.1) JSON with fhir.resources, an implementation independent of Helsebro's.

Each file holds one resource; a Bundle's entries are validated one by one as well. Prints one line per resource and
exits 1 if any is invalid. Tools/test.sh installs fhir.resources into .build-py.
"""
import json
import sys

from fhir.resources import __fhir_version__, construct_fhir_element


def validate(obj, where):
    construct_fhir_element(obj["resourceType"], obj)
    count = 1
    if obj["resourceType"] == "Bundle":
        for i, entry in enumerate(obj.get("entry", [])):
            count += validate(entry["resource"], f"{where} entry {i}")
    return count


def main():
    assert __fhir_version__ == "4.0.1", __fhir_version__
    bad = 0
    for path in sys.argv[1:]:
        with open(path) as f:
            obj = json.load(f)
        try:
            n = validate(obj, path)
            print(f"valid {obj['resourceType']} ({n} resources): {path}")
        except Exception as e:  # pydantic's ValidationError, or a KeyError for a missing resourceType
            bad += 1
            print(f"INVALID {path}: {e}")
    sys.exit(1 if bad else 0)


main()
