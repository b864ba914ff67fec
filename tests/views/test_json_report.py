"""The JSON writer: msgspec's text where it is provably json.dumps' text, json.dumps' everywhere else.

`dump` promises `json.dumps(value, indent=2, sort_keys=True) + "\\n"` byte for byte (the review and check
goldens were written by json.dumps). msgspec writes it faster; these tests hold the cases where the two could
differ (floats, characters, integers, keys, types) to both branches giving json.dumps' bytes.
"""

from __future__ import annotations

import enum
import json
import math
import random
import struct
from collections import OrderedDict

import msgspec
import pytest

from mlstrata.views.json_report import compact, dump, fast_text


def reference(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"


def fast_branch(value: object) -> bool:
    """True when `compact` takes msgspec's text for `value`."""
    return fast_text(value) is not None


def _random_floats(count: int) -> list[float]:
    rnd = random.Random(17)
    bits = [struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0] for _ in range(count)]
    # where reports' floats live: prices, monthly costs in cents, node counts times hours
    log_uniform = [math.copysign(10 ** rnd.uniform(-6, 18), rnd.random() - 0.5) for _ in range(count)]
    cents = [round(rnd.uniform(0, 10 ** rnd.randint(0, 12)), 2) for _ in range(count)]
    return bits + log_uniform + cents


EDGE_FLOATS = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 100.0, 713.65, 1e-4, 9.999999999999999e-05, 1e-5, 1.5e-7,
               5e-324, 2.2250738585072014e-308, 1e15, 9999999999999998.0, 1e16, 1.5e16, 1e17, 1e21, 1e22,
               2.0 ** 53, 2.0 ** 63, 1.7976931348623157e308, math.inf, -math.inf, math.nan]


def test_every_float_is_written_as_json_dumps_writes_it() -> None:
    floats = EDGE_FLOATS + _random_floats(2_000)
    fast = 0
    for f in floats:
        value = {"v": f, "in": [f, {"x": f}]}
        assert compact(value) == json.dumps(value, sort_keys=True, separators=(",", ":")).encode(), f
        assert dump(value) == reference(value), f
        if fast_branch(value):
            fast += 1
            # the fast branch's own bytes, not only the function's answer
            assert msgspec.json.encode(value, order="sorted") == json.dumps(
                value, sort_keys=True, separators=(",", ":")).encode(), f
    # both branches ran: floats in json's fixed-point range go to msgspec, the others to json.dumps
    assert 1_000 < fast < len(floats)
    assert not fast_branch({"v": 1e16}) and not fast_branch({"v": 1e-5}) and not fast_branch({"v": math.nan})
    assert fast_branch({"v": 713.65}) and fast_branch({"v": -0.0}) and fast_branch({"v": 1e-4})


@pytest.mark.parametrize("block", [range(0, 0x800), range(0xD7F0, 0xE010), range(0xFFF0, 0x10010),
                                   range(0x10FFF0, 0x110000)])
def test_every_character_is_written_as_json_dumps_writes_it(block: range) -> None:
    """ASCII (controls, quotes, backslash, DEL) and non-ASCII (escaped as \\uXXXX, surrogate pairs, lone
    surrogates), in strings and in keys."""
    for code in block:
        char = chr(code)
        value = {"s": f"a{char}b", f"k{char}": [char]}
        assert dump(value) == reference(value), hex(code)
        assert fast_branch(value) == (code < 0x80 and code != 0x7F), hex(code)


def test_integers_keys_and_types_are_written_as_json_dumps_writes_them() -> None:
    class Colour(enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    class Name(str):
        pass

    ints = [0, -1, 2 ** 63 - 1, -(2 ** 63), 2 ** 64 - 1, 2 ** 64, -(2 ** 63) - 1, 10 ** 100, True, False]
    for value in [
        {"ints": ints, "none": None, "empty": {}, "list": [], "tuple": (1, "x", (2.5, None))},
        {"b": 1, "a": {"d": [1, 2], "c": {"z": 0, "_": 1, "A": 2, "a": 3}}},  # sorted at every level
        {"level": Level.HIGH, "name": Name("x"), "ordered": OrderedDict(b=1, a=2)},  # subclasses: json's way
        {10: "int keys", 9: "sorted as numbers"},  # json.dumps writes them as text; msgspec refuses them
        [{"deep": [[[[{"a": 1.5}]]]]}],
    ]:
        assert dump(value) == reference(value)
    assert fast_branch({"ints": ints[:5]}) and not fast_branch({"ints": [2 ** 64]})
    assert not fast_branch({1: "x"}) and not fast_branch({"level": Level.HIGH})
    # what json.dumps refuses is refused as before, whatever msgspec could write
    for bad in ({"colour": Colour.RED}, {"set": {1, 2}}, {("a",): 1}, {"bytes": b"x"}, {"a": 1, 2: 3}):
        with pytest.raises(TypeError) as expected:
            json.dumps(bad, sort_keys=True)
        with pytest.raises(TypeError) as got:
            dump(bad)
        assert str(got.value) == str(expected.value)


def test_a_circular_value_fails_as_json_dumps_fails() -> None:
    loop: dict[str, object] = {"a": 1}
    loop["self"] = [loop]
    with pytest.raises(ValueError, match="Circular reference detected"):
        dump(loop)


def test_a_review_report_shape_takes_the_fast_branch() -> None:
    """The shape of a review report (findings, units with GPU pool costs) is written by msgspec."""
    finding = {"code": "MLR004", "column": 3, "family": "capacity", "file": "main.tf", "line": 12,
               "path": "module.m.aws_eks_node_group.this", "rule": "gpu-capacity", "severity": "info",
               "summary": "GPU capacity changed: max 2 -> 4; +$1,427.30/month at max"}
    pool = {"hourly": {"desired": 0.98, "max": 3.92, "min": 0.0}, "monthly": {"desired": 713.65, "max": 2854.6},
            "nodes": {"desired": 1, "desired_from_autoscaler": False, "max": 4, "min": 0}, "rate": None}
    report = {"command": "review", "failed": False, "findings": [finding] * 3, "summary": {"info": 3},
              "units": [{"gpu_pools": [pool], "env": None, "protected": False}]}
    assert fast_branch(report)
    assert compact(report) == json.dumps(report, sort_keys=True, separators=(",", ":")).encode()
    assert dump(report) == reference(report)
