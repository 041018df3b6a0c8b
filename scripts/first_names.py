"""Regenerate rag/data/first_names.txt from nomquamgender's name data (MIT licence, (c) 2022 Ian Van Buskirk).

    pip download --no-deps -d /tmp/nqg nomquamgender==0.1.4
    python scripts/first_names.py /tmp/nqg/nomquamgender-0.1.4-py3-none-any.whl > rag/data/first_names.txt

Only names the data are near-certain about are kept (seen in at least 5 of its sources and 100 times, and given
to one gender at least 95% of the time): a pronoun follow-up uses them to skip a person a "he" or "she" cannot
mean, so an uncertain name must stay unknown.
"""

from __future__ import annotations

import json
import sys
import zipfile

MIN_SOURCES, MIN_COUNT, CERTAIN = 5, 100, 0.95


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(z.read("nomquamgender/name_data.json"))
    print("# newsrag first names v1: <f|m> <lower-case first name>")
    print("# From nomquamgender 0.1.4 name_data.json (MIT licence, (c) 2022 Ian Van Buskirk; "
          "see scripts/first_names.py):")
    print(f"# names in >= {MIN_SOURCES} sources, >= {MIN_COUNT} times, "
          f"p(female) >= {CERTAIN} (f) or <= {1 - CERTAIN:.2f} (m).")
    for name in sorted(data):
        sources, count, p_female = data[name][:3]
        if sources < MIN_SOURCES or count < MIN_COUNT or not name.isascii() or not name.replace("-", "").isalpha():
            continue
        if p_female >= CERTAIN:
            print("f", name)
        elif p_female <= 1 - CERTAIN:
            print("m", name)


if __name__ == "__main__":
    main(sys.argv[1])
