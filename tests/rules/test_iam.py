"""Policy documents as grants, and what a change widens (actions, resources, principals, wildcards)."""

from __future__ import annotations

import json

import pytest

from mlstrata.rules.iam_grants import grants, level_widening, parse_policy, widening


def doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def widened(before: str | None, after: str, new_object: bool = False) -> str:
    old = grants(parse_policy(before)) if before else set()
    return widening(old, grants(parse_policy(after)), new_object=new_object).text()


def test_same_grants_in_another_order_and_case_are_not_a_widening() -> None:
    before = doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"})
    after = doc({"Effect": "Allow", "Action": ["s3:putobject", "s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]})
    assert widened(before, after) == ""


def test_new_action_resource_and_wildcards_are_named() -> None:
    before = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    after = doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:*"], "Resource": ["arn:aws:s3:::b/*", "*"]})
    text = widened(before, after)
    assert text.startswith("new wildcards *, s3:*")
    assert "+actions s3:*" in text and "+resources *" in text


def test_narrowing_is_not_a_widening_but_removing_a_deny_is() -> None:
    wide = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
               {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    narrow = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                 {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    assert widened(wide, narrow) == ""
    no_deny = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert widened(narrow, no_deny) == "Deny removed for s3:deletebucket"


def test_trust_policy_principals_and_dropped_conditions() -> None:
    cond = {"StringEquals": {"sts:ExternalId": "x"}}
    before = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::1:root"},
                  "Condition": cond})
    after = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}})
    text = widened(before, after)
    assert "new wildcards AWS:*" in text and "+principals AWS:*" in text
    assert "1 grant(s) lost their condition" in text


def test_a_new_policy_counts_only_its_wildcards_and_bucket_objects_are_not_wildcards() -> None:
    plain = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    assert widened(None, plain, new_object=True) == ""
    public = doc({"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*", "Resource": "arn:aws:s3:::b/*"})
    assert widened(None, public, new_object=True) == "new wildcards *"
    assert widened(None, doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), new_object=True) \
        == "new wildcards !iam:*, *"


def test_registry_grants_raised_and_new_accounts() -> None:
    w = level_widening({"alice": "READ", "bob": "EDIT"}, {"alice": "MANAGE", "bob": "READ", "carol": "READ",
                                                        "dave": "NO_PERMISSIONS"}, new_object=False)
    assert w.principals == {"carol (READ)"} and w.other == ["alice: READ -> MANAGE"]
    assert not level_widening({"a": "EDIT"}, {"a": "READ"}, new_object=False)


def test_unparseable_documents_are_no_grants() -> None:
    assert parse_policy("not json") is None and parse_policy("[1]") is None and grants(None) == set()


@pytest.mark.parametrize("text", [
    '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
    '{"Statement": [], "Version": "2012-10-17", "Version": "2008-10-17"}',  # the last duplicate wins, as in json
    '{"Statement": [{"Condition": {"NumericLessThan": {"s3:max-keys": 1e400}}}]}',  # Python's json reads inf
    '{"Statement": [{"Condition": {"NumericLessThan": {"s3:max-keys": NaN}}}]}',  # and NaN
    '{"Statement": [{"Sid": "\\ud800"}]}', '{"n": 100000000000000000000000000000, "f": 1.10}',
])
def test_policy_documents_read_as_pythons_json_reads_them(text: str) -> None:
    """The review reads policies with msgspec (faster), falling back to Python's json for what only it reads:
    the grants, and so the findings, are those of json.loads."""
    assert repr(parse_policy(text)) == repr(json.loads(text))
    assert parse_policy("{not json") is None and parse_policy("[1]") is None and parse_policy(" ") is None
