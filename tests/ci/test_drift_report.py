"""The nightly drift issue's table: every cell escaped the one way Markdown cells are (views.markdown.cell)."""

from __future__ import annotations

import re

from mlstrata.ci.drift_report import issue_body


def test_every_cell_of_the_issue_table_is_one_cell() -> None:
    resources = [{"address": 'aws_s3_bucket.data["a|b"]', "category": "tags", "allowed": False,
                  "kind": "deleted outside Terraform\n| not a new row", "changes": []},
                 {"address": "aws_sqs_queue.jobs", "category": "config", "allowed": False,
                  "changes": [{"path": "tags.team", "before": "a|b", "after": "c"}]}]
    body = issue_body("prod/base", resources)
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    assert len(rows) == 2
    # four cells per row: five pipes that are not escaped
    assert [len(re.findall(r"(?<!\\)\|", row)) for row in rows] == [5, 5]
    assert '`aws_s3_bucket.data["a\\|b"]`' in rows[0] and "deleted outside Terraform \\| not a new row" in rows[0]
    assert '"a\\|b" → "c"' in rows[1]
