"""Prefect flows: work that spans many process instances (opening a cycle, timer sweeps).

Flows orchestrate; every change still goes through an engine use case (docs/ARCHITECTURE.md).
"""
