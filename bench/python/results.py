"""The shared results file of a bench run (build/bench/results.json): rows merged by name."""
import json
import os


def merge(path, rows):
    """Writes `rows` into the results file at `path`, replacing rows of the same name."""
    doc = {"results": []}
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
    names = {r["name"] for r in rows}
    doc["results"] = [r for r in doc.get("results", []) if r["name"] not in names] + rows
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
