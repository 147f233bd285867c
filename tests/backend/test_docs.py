"""docs/api.md carries the error table of backend/api/errors.py: they must not drift apart."""

import re
from pathlib import Path

from backend.api.errors import ERROR_TABLE

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def row(rule):
    """How a rule is written in the table (``|`` escaped inside the code span)."""
    pattern = rule.pattern.replace("|", " \\| ")
    return f"| `{pattern}` | {rule.status} | {rule.en} | {rule.zh} |"


def test_error_table_in_docs_equals_the_code():
    expected = {row(rule) for rule in ERROR_TABLE}
    documented = {
        line
        for line in API_DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `") and re.search(r" \| \d{3} \| ", line)
    }
    assert documented == expected
