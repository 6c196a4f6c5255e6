# ruff: noqa: INP001 - a standalone script, not part of a package
"""Rewrite the README's settings table from the target's ``--about`` output.

The table between ``<!-- settings:start -->`` and ``<!-- settings:end -->`` in
README.md is the ``## Settings`` table that
``target-salesforce-br --about --format=markdown`` prints. Run this script
after changing a setting; ``--check`` only reports whether the README is
current, and tests/test_readme_settings.py runs the same comparison.

Usage:
    .venv/bin/python scripts/update_readme_settings.py [--check]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
START_MARKER = "<!-- settings:start -->"
END_MARKER = "<!-- settings:end -->"
SETTINGS_HEADING = "## Settings"


def about_markdown() -> str:
    """Run the target's ``--about --format=markdown`` with this interpreter."""
    completed = subprocess.run(
        [sys.executable, "-m", "target_salesforce_br", "--about", "--format=markdown"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    return completed.stdout


def settings_table(markdown: str) -> str:
    """Return the table rows that follow the ``## Settings`` heading.

    Raises:
        ValueError: The output has no ``## Settings`` heading or no table
            under it.
    """
    lines = markdown.splitlines()
    try:
        start = lines.index(SETTINGS_HEADING) + 1
    except ValueError:
        msg = f"no {SETTINGS_HEADING!r} heading in the --about output"
        raise ValueError(msg) from None

    table: list[str] = []
    for line in lines[start:]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
        elif line.strip():
            msg = f"expected the settings table after {SETTINGS_HEADING!r}"
            raise ValueError(msg)
    if not table:
        msg = f"no table under {SETTINGS_HEADING!r} in the --about output"
        raise ValueError(msg)
    return "\n".join(table)


def replace_block(readme: str, table: str) -> str:
    """Return the README text with the block between the markers set to ``table``.

    Raises:
        ValueError: A marker is missing, repeated or out of order.
    """
    if readme.count(START_MARKER) != 1 or readme.count(END_MARKER) != 1:
        msg = f"README must contain {START_MARKER} and {END_MARKER} once each"
        raise ValueError(msg)
    head, rest = readme.split(START_MARKER)
    if END_MARKER not in rest:
        msg = f"{END_MARKER} must follow {START_MARKER} in the README"
        raise ValueError(msg)
    _, tail = rest.split(END_MARKER)
    return f"{head}{START_MARKER}\n{table}\n{END_MARKER}{tail}"


def expected_readme() -> str:
    """Return README.md as it reads with the current settings table."""
    readme = README.read_text(encoding="utf-8")
    return replace_block(readme, settings_table(about_markdown()))


def main() -> int:
    """Rewrite README.md, or with --check report whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when README.md differs, without writing it",
    )
    args = parser.parse_args()

    current = README.read_text(encoding="utf-8")
    expected = expected_readme()
    if current == expected:
        sys.stdout.write("README.md settings table is current\n")
        return 0
    if args.check:
        sys.stderr.write(
            "README.md settings table differs from --about; run "
            "scripts/update_readme_settings.py\n"
        )
        return 1
    README.write_text(expected, encoding="utf-8")
    sys.stdout.write("README.md settings table rewritten\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
