"""Scripts and expressions from uploaded definitions cannot reach past the sandbox."""
from __future__ import annotations

import pytest

from engine.errors import ScriptRejected
from engine.scripting import RestrictedEnvironment

HOSTILE = [
    ("import os", "exec", "imports are not allowed"),
    ("from subprocess import run", "exec", "imports are not allowed"),
    ("x = ().__class__.__bases__[0].__subclasses__()", "exec", "attributes starting with '_'"),
    ("__import__('os')", "eval", "names starting with '_'"),
    ("open('/etc/passwd').read()", "eval", "'open' is not allowed"),
    ("eval('1+1')", "eval", "'eval' is not allowed"),
    ("getattr(period, 'real')", "eval", "'getattr' is not allowed"),
    ("'{0.__class__}'.format(period)", "eval", "'.format' is not allowed"),
    ("(lambda: 1)()", "eval", "defining functions"),
]


@pytest.mark.parametrize("source, mode, reason", HOSTILE)
def test_hostile_code_is_rejected_before_it_runs(source: str, mode: str, reason: str) -> None:
    environment = RestrictedEnvironment()
    run = environment.evaluate if mode == "eval" else environment.execute
    with pytest.raises(ScriptRejected, match="script rejected") as rejected:
        run(source, {"period": 1})
    assert reason in rejected.value.message


def test_plain_data_manipulation_still_works() -> None:
    environment = RestrictedEnvironment()
    data = {"period": 1, "scores": [3, 4, 5]}
    environment.execute("period = period + 1\naverage = sum(scores) / len(scores)", data)
    assert data["period"] == 2 and data["average"] == 4
    assert environment.evaluate('period < 4 and "DIBAWAH" in "DIBAWAH_EKSPEKTASI"', data) is True


def test_only_safe_builtins_are_reachable() -> None:
    with pytest.raises(NameError):
        RestrictedEnvironment().evaluate("print", {})
