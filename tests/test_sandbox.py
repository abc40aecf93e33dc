"""Code in uploaded definitions cannot reach past the sandbox.

Each known Python sandbox escape below ends by trying to create a marker file (through
``os.system`` or ``open(..., 'w')``). Every one is refused at deploy, naming the element,
in every place code can sit (script, gateway condition, timer expression, DMN input and
output entries), and is blocked at run time if it reaches a workflow anyway, whether by
calling the sandbox directly or by running a workflow parsed without the deploy check.
The marker file is never created.
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine.actors import Operator
from engine.definitions import DefinitionFile
from engine.deployment import check_definitions, deploy
from engine.errors import InvalidDefinition, ScriptRejected
from engine.kinerja import Kinerja
from engine.models import Deployment
from engine.runtime import evaluate_decision
from engine.scripting import RestrictedEnvironment, restricted_script_engine
from tests.support import BPMN_DIR

MARKER = "/tmp/kinerja-sandbox-escaped"
SHELL = f"__import__('os').system('touch {MARKER}')"
WRITE = f"open('{MARKER}', 'w')"
OPEN = f"['open']('{MARKER}', 'w')"  # called on a mapping of builtins

# Expressions: usable in every place code can sit.
EXPRESSION_ESCAPES = {
    "generator-frame-globals": "(x for x in [1]).gi_frame.f_back.f_globals['_' + '_builtins__']['__import__']"
                               "('os').system('touch " + MARKER + "')",
    "generator-frame-builtins": "(x for x in [1]).gi_frame.f_builtins" + OPEN,
    "generator-frame-locals": "(x for x in [1]).gi_frame.f_locals" + OPEN,
    "generator-code": "(x for x in [1]).gi_code.co_consts",
    "coroutine-frame": "(x for x in [1]).cr_frame.f_back.f_globals['_' + '_builtins__']" + OPEN,
    "async-generator-frame": "(x for x in [1]).ag_frame.f_back.f_builtins" + OPEN,
    "dunder-subscript-of-data": "employee['_' + '_class__']['_' + '_init__']['_' + '_globals__']['os']"
                                ".system('touch " + MARKER + "')",
    "dunder-subscript-of-globals": "globals()['_' + '_builtins__']" + OPEN,
    "format-attribute": "'{0.__class__.__init__.__globals__}'.format(employee) and " + WRITE,
    "format-map-attribute": "'{x.__class__}'.format_map({'x': employee}) and " + WRITE,
    "str-format-unbound": "str.format('{0.__class__}', employee) and " + WRITE,
    "fstring-attribute": "f'{employee.__class__.__base__.__subclasses__()}' and " + WRITE,
    "fstring-format-spec": "f'{employee!r:>{10**9}}' and " + WRITE,
    "type-call": "type(employee).mro()[1].__subclasses__()[0]('" + MARKER + "', 'w')",
    "type-new-class": "type('X', (), {})",
    "class-hierarchy": "().__class__.__bases__[0].__subclasses__()",
    "class-hierarchy-catch-warnings": "[c for c in ().__class__.__mro__[1].__subclasses__() "
                                      "if c.__name__ == 'catch_warnings'][0]()._module.__builtins__['__import__']"
                                      "('os').system('touch " + MARKER + "')",
    "method-self": "employee.get.__self__",
    "vars": "vars()" + OPEN,
    "dir": "dir(employee)",
    "globals": "globals()",
    "locals": "locals()",
    "getattr": "getattr(employee, '_' + '_class__')",
    "dunder-import": SHELL,
    "open": WRITE,
    "eval": "eval(\"" + SHELL + "\")",
    "exec": "exec(\"" + SHELL + "\")",
    "compile": "compile('1', 's', 'eval')",
    "breakpoint": "breakpoint()",
    "print-builtins": "print.__self__",
}
# Statements: usable in scripts only.
SCRIPT_ESCAPES = {
    "import-os": f"import os\nos.system('touch {MARKER}')",
    "from-import": f"from subprocess import run\nrun(['touch', '{MARKER}'])",
    "traceback-frame": "try:\n    1 / 0\nexcept ZeroDivisionError as error:\n"
                       "    error.__traceback__.tb_frame.f_globals" + OPEN,
    "traceback-frame-no-dunder": "try:\n    1 / 0\nexcept Exception as error:\n"
                                 "    frame = error.tb_frame\n    frame.f_builtins" + OPEN,
    "generator-function": "def walk():\n    yield 1\nframe = walk().gi_frame.f_back\n"
                          "frame.f_globals['_' + '_builtins__']" + OPEN,
    "coroutine-function": "async def walk():\n    pass\nwalk().cr_frame.f_back.f_builtins" + OPEN,
    "async-generator-function": "async def walk():\n    yield 1\nwalk().ag_frame.f_builtins" + OPEN,
    "lambda": "f = lambda: 0\nf.__globals__['_' + '_builtins__']" + OPEN,
    "class": "class X:\n    pass\nX.__init__.__globals__",
    "global": "global employee\nemployee = 1",
    "builtins-name": "x = builtins",
    "with": "with open('" + MARKER + "', 'w') as f:\n    pass",
    "attribute-store": "employee.name = 1",
}
ALL_ESCAPES = {**EXPRESSION_ESCAPES, **{name: f"x = {code}" for name, code in EXPRESSION_ESCAPES.items()},
               **SCRIPT_ESCAPES}


@pytest.fixture(autouse=True)
def no_marker() -> None:
    """Every test starts without the marker and proves it was never created."""
    Path(MARKER).unlink(missing_ok=True)
    yield
    assert not Path(MARKER).exists(), "an escape ran a command"


# -- deploy: refused, naming the element ---------------------------------------------------

PERIODIC = (BPMN_DIR / "periodic_review.bpmn").read_text()
TARGET_SETTING = (BPMN_DIR / "target_setting.bpmn").read_text()
PREDIKAT = (BPMN_DIR / "predikat_kinerja.dmn").read_text()

# Where code sits in the bundled files: (file kind, name, text, what to replace, element id).
PLACES = {
    "script": ("bpmn", "periodic_review", PERIODIC, "<bpmn:script>period = 1</bpmn:script>", "start_periods"),
    "condition": ("bpmn", "periodic_review", PERIODIC, "period &lt; len(periods)", "flow_more_periods_yes"),
    "timer": ("bpmn", "target_setting", TARGET_SETTING, '<bpmn:timerEventDefinition id="approval_overdue_timer">\n'
              '        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7D"', "approval_overdue"),
    "dmn-input-entry": ("dmn", "predikat_kinerja", PREDIKAT,
                        '<inputEntry id="rule_diatas_dibawah_rating_hasil_kerja">\n          '
                        '<text>"DIATAS_EKSPEKTASI"</text>', "rule_diatas_dibawah_rating_hasil_kerja"),
    "dmn-output-entry": ("dmn", "predikat_kinerja", PREDIKAT,
                         '<outputEntry id="rule_diatas_dibawah_predikat">\n          <text>"KURANG"</text>',
                         "rule_diatas_dibawah_predikat"),
}


def place(where: str, code: str) -> DefinitionFile:
    """The bundled file with ``code`` put in place ``where``."""
    kind, name, content, old, _ = PLACES[where]
    assert content.count(old) == 1, f"{old!r} is not unique in {name}"
    if where == "script":
        new = f"<bpmn:script>{escape(code)}</bpmn:script>"
    elif where.startswith("dmn"):
        new = old.replace(old[old.index("<text>"):], f"<text>{escape(code)}</text>")
    elif where == "timer":
        new = old.replace('"P7D"', escape(code))
    else:
        new = escape(code)
    return DefinitionFile(kind=kind, name=name, content=content.replace(old, new))


@pytest.mark.parametrize("where", sorted(PLACES))
def test_every_escape_is_refused_at_deploy_naming_the_element(deployed: Kinerja, where: str) -> None:
    escapes = ALL_ESCAPES if where == "script" else EXPRESSION_ESCAPES
    element_id = PLACES[where][4]
    accepted = []
    for name, code in escapes.items():
        problems = check_definitions(deployed, Operator('test'), [place(where, code)])
        if not any(problem["element_id"] == element_id for problem in problems):
            accepted.append((name, problems))
    assert accepted == [], "escapes that passed the deploy check"


def test_deploy_refuses_the_file_and_stores_nothing(deployed: Kinerja) -> None:
    def deployments() -> int:
        with deployed.unit_of_work() as uow:
            return uow.session.query(Deployment).count()

    before = deployments()
    hostile = place("script", ALL_ESCAPES["generator-frame-globals"])
    with pytest.raises(InvalidDefinition) as refused:
        deploy(deployed, Operator("hr"), [hostile])
    (problem,) = refused.value.details
    assert problem["element_id"] == "start_periods" and "gi_frame" in problem["message"]
    assert deployments() == before


# -- run time: blocked even without the deploy check ---------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_ESCAPES))
def test_every_escape_is_blocked_when_run_directly(name: str) -> None:
    code = ALL_ESCAPES[name]
    environment = RestrictedEnvironment()
    data = {"employee": {"name": "Rina", "nip": "199003032015031003"}, "period": 1}
    run = environment.execute if name in SCRIPT_ESCAPES or code.startswith("x = ") else environment.evaluate
    with pytest.raises(ScriptRejected):
        run(code, data)
    assert data == {"employee": {"name": "Rina", "nip": "199003032015031003"}, "period": 1}


def _unchecked_parser(replaced: DefinitionFile) -> SpiffBpmnParser:
    """Spiff's parser with the bundled files, one of them replaced, and no deploy check at all."""
    parser = SpiffBpmnParser()
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        if path.stem != replaced.name:
            parser.add_bpmn_file(str(path))
    for path in sorted(BPMN_DIR.glob("*.dmn")):
        if path.stem != replaced.name:
            parser.add_dmn_file(str(path))
    if replaced.kind == "bpmn":
        parser.add_bpmn_str(replaced.content.encode(), filename=replaced.filename)
    else:
        parser.add_dmn_xml(etree.fromstring(replaced.content.encode()), filename=replaced.filename)
    return parser


@pytest.mark.parametrize("name", sorted(ALL_ESCAPES))
def test_an_escape_in_a_script_task_is_blocked_in_a_workflow_that_skipped_the_deploy_check(name: str) -> None:
    parser = _unchecked_parser(place("script", ALL_ESCAPES[name]))
    workflow = BpmnWorkflow(parser.get_spec("periodic_review"), parser.get_subprocess_specs("periodic_review"),
                            script_engine=restricted_script_engine())
    workflow.get_tasks()[0].data.update({"employee": {"name": "Rina"}})
    with pytest.raises(SpiffWorkflowException) as blocked:
        workflow.do_engine_steps()
    assert isinstance(blocked.value.__context__, ScriptRejected)
    assert blocked.value.task_spec.bpmn_id == "start_periods"


@pytest.mark.parametrize("name", sorted(EXPRESSION_ESCAPES))
def test_an_escape_in_a_condition_or_timer_is_blocked_by_the_engines_script_engine(name: str) -> None:
    # Spiff evaluates gateway conditions and timer expressions with script_engine.evaluate.
    parser = _unchecked_parser(place("script", "period = 1"))
    workflow = BpmnWorkflow(parser.get_spec("periodic_review"), parser.get_subprocess_specs("periodic_review"),
                            script_engine=restricted_script_engine())
    task = workflow.get_tasks()[0]
    task.data.update({"employee": {"name": "Rina"}})
    with pytest.raises(SpiffWorkflowException) as blocked:
        workflow.script_engine.evaluate(task, EXPRESSION_ESCAPES[name], external_context=workflow.data_objects)
    assert isinstance(blocked.value.__context__, ScriptRejected)


@pytest.mark.parametrize("where", ["dmn-input-entry", "dmn-output-entry"])
def test_an_escape_in_a_dmn_cell_is_blocked_in_a_table_that_skipped_the_deploy_check(where: str) -> None:
    data = {"rating_hasil_kerja": "DIATAS_EKSPEKTASI", "rating_perilaku_kerja": "DIBAWAH_EKSPEKTASI",
            "employee": {"name": "Rina"}}
    for code in EXPRESSION_ESCAPES.values():
        parser = _unchecked_parser(place(where, code))
        with pytest.raises(SpiffWorkflowException) as blocked:
            evaluate_decision(parser.get_engine("predikat_kinerja", None), "predikat_kinerja", data)
        assert isinstance(blocked.value.__context__, ScriptRejected), code


# -- what the sandbox still allows ---------------------------------------------------------


def test_plain_data_manipulation_still_works() -> None:
    environment = RestrictedEnvironment()
    data = {"period": 1, "scores": [3, 4, 5], "name": "Rina"}
    environment.execute("period = period + 1\naverage = sum(scores) / len(scores)\n"
                        "doubled = [score * 2 for score in scores]\n"
                        "for score in scores:\n    period += score\n"
                        "label = f'{name!r}: {period}'\nnames = ', '.join(['a', 'b']).upper()", data)
    assert data == {"period": 14, "scores": [3, 4, 5], "name": "Rina", "average": 4, "doubled": [6, 8, 10],
                    "score": 5, "label": "'Rina': 14", "names": "A, B"}
    assert environment.evaluate('period > 4 and "DIBAWAH" in "DIBAWAH_EKSPEKTASI"', data) is True
    assert environment.evaluate("max(len(n) for n in ['a', 'bb']) + round(2.5)", data) == 4


@pytest.mark.parametrize("code, reason", [
    ("x = {1, 2}", "would hold a set value"),
    ("x = float('nan')", "numbers must be finite"),
    ("x = len", "would hold a builtin_function_or_method value"),
    ("x = {(1, 2): 3}", "key that is not a string"),
])
def test_a_script_may_leave_only_plain_values_in_task_data(code: str, reason: str) -> None:
    data = {"period": 1}
    with pytest.raises(ScriptRejected, match=reason):
        RestrictedEnvironment().execute(code, data)
    assert data == {"period": 1}, "task data is unchanged"
