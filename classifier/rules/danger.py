"""What leads the answer when it is dangerous: the red flag that set an urgent or emergency triage level.

A plain object for the front ends (the page's headline): the flag's title, what to do at its level, and its
reason (the user's words and what they can mean).
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier.rules.triage import load_rules

__all__ = ["ACTIONS", "Danger", "leading_danger"]

ACTIONS = {"emergency": "call your local emergency number now", "urgent": "get seen today"}


@dataclass(frozen=True)
class Danger:
    flag: str  # the red flag's id
    triage: str  # "urgent" or "emergency"
    title: str  # "Possible blood clot"
    reason: str  # the flag's reason, quoting the user's words

    @property
    def headline(self) -> str:
        """“Possible blood clot: call your local emergency number now”."""
        return f"{self.title}: {ACTIONS[self.triage]}"


def leading_danger(triage: str, red_flags: list[dict]) -> Danger | None:
    """The red flag that leads when ``triage`` is urgent or emergency because of it (the first raised at that
    level, in the rules' order: a clot in the lungs before a clot in the leg), else None."""
    if triage not in ACTIONS:
        return None
    flag = next((f for f in red_flags if f["triage"] == triage), None)
    if flag is None:
        return None
    titles = {r.id: r.title for r in load_rules().flags}
    return Danger(flag["id"], triage, titles.get(flag["id"], flag["id"].replace("_", " ")), flag["reason"])

