"""Print how many tests ran and how long the CI run took; fail if fewer tests ran than the floor."""

from __future__ import annotations

import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path


def main(junit: str, started: str, at_least: str) -> int:
    """Read pytest's JUnit report (`--junitxml`) and print one summary line."""
    wall = int(time.time()) - int(started)
    minutes, seconds = divmod(wall, 60)
    if not Path(junit).exists():
        print(f"CI: no test report was written · wall time {minutes} min {seconds:02d} s")
        return 1
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    ran = total - skipped
    print(
        f"CI: {ran} tests ran ({ran - failed} passed, {failed} failed, {skipped} skipped) · "
        f"wall time {minutes} min {seconds:02d} s"
    )
    if skipped:
        print("CI: a skipped test is a failing test here.")
    if ran < int(at_least):
        print(f"CI: fewer tests ran than the {at_least} this suite has had; none may be lost.")
    return 1 if failed or skipped or ran < int(at_least) else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
