"""What the benchmarks share: the bundled BPMN run by plain, in-memory SpiffWorkflow.

The plain run is the yardstick: parse once, create each workflow, give it the start data
a cycle instance gets, run the engine steps. Nothing is stored, the default script engine
runs the expressions. Every kinerja figure is reported as a ratio to it.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.cycles import process_settings  # noqa: E402 - after the path that finds it

START_DATA = {"employee": {"nip": "0", "name": "x", "position": "Perawat", "unit": "Puskesmas"}, "year": 2026,
              **process_settings(None, 2026), "previous_predikat": None}


def plain_start(n: int) -> tuple[float, list[Any]]:
    """Seconds to start ``n`` evaluation cycles in memory, and the started workflows."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(p) for p in sorted((ROOT / "bpmn").glob("*.bpmn"))])
    parser.add_dmn_files([str(p) for p in sorted((ROOT / "bpmn").glob("*.dmn"))])
    spec, subprocess_specs = parser.get_spec("evaluation_cycle"), parser.get_subprocess_specs("evaluation_cycle")
    started = time.perf_counter()
    workflows = []
    for _ in range(n):
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(START_DATA)
        workflow.do_engine_steps()
        workflows.append(workflow)
    return time.perf_counter() - started, workflows


def bundled_definitions() -> list[Any]:
    from engine.definitions import DefinitionFile

    return [DefinitionFile.from_path(p) for p in sorted((ROOT / "bpmn").rglob("*"))
            if p.suffix in {".bpmn", ".dmn", ".json"}]
