"""The bundled processes and decision tables speak Indonesian where users read them: task,
event, gateway, lane and process names, decision names, the tables' column labels, questions
and rule descriptions (the audit pages show them). Ids and variable names stay as they are."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from lxml import etree

from tests.support import BPMN_DIR

# English verbs and nouns a modeler tends to leave in a name; none is an Indonesian word.
ENGLISH = re.compile(r"\b(Determine|Review|Approve|Approval|Submit|Calculate|Check|Send|Notify|Propose|Decide|"
                     r"Decision|Evaluate|Assign|Reject|Request|Record|Escalate|Escalation|Reminder|Overdue|"
                     r"Deadline|Start|End|Update|Create|Set|Task|Process|Yes|No)\b", re.IGNORECASE)
# Elements whose ``name`` is a variable, not a label: data items and Spiff's extension properties.
NAMED_VARIABLES = {"inputDataItem", "outputDataItem", "dataInput", "dataOutput", "property", "output"}


def visible_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(element id or tag, text) of everything in the file a user may read."""
    for element in etree.parse(str(path)).getroot().iter():
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        where = element.get("id") or tag
        if element.get("name") and tag not in NAMED_VARIABLES:
            yield where, element.get("name")
        if element.get("label"):
            yield where, element.get("label")
        if tag in ("question", "description") and element.text:
            yield where, element.text


@pytest.mark.parametrize("path", sorted([*BPMN_DIR.glob("*.bpmn"), *BPMN_DIR.glob("*.dmn")]),
                         ids=lambda path: path.name)
def test_every_visible_name_of_a_bundled_definition_is_indonesian(path: Path) -> None:
    texts = list(visible_texts(path))
    assert len(texts) > 1, "the walk reads the file's names"
    english = [f"{where}: {text!r}" for where, text in texts if ENGLISH.search(text)]
    assert not english, "English in what users read:\n" + "\n".join(english)


def test_the_check_finds_an_english_name() -> None:
    assert ENGLISH.search("Determine period predikat") and ENGLISH.search("Approval overdue")
    assert not ENGLISH.search("Tentukan predikat periode") and not ENGLISH.search("Rating Hasil Kerja")
