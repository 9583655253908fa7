"""Rules a resource provider enforces on values its type data leaves open, so that neither the Bicep
compiler nor the type check sees them and only a deployment is refused.

Log alerts (`Microsoft.Insights/scheduledQueryRules`): the type data declares `windowSize` and
`evaluationFrequency` as plain strings ("in ISO 8601 duration format"). Azure Monitor accepts an
evaluation frequency from 1 minute to 1 day and a window (the query's look-back) from 1 minute to
2 days, and the window must be at least as long as the frequency (the Azure Monitor SDK's
Schedule: "time window ... should be greater than or equal to frequencyInMinutes"; Learn "Create
or edit a log search alert rule": frequency up to one day, look-back up to two days). A rule that
must see a day-long gap (the backup's 26 hours) can therefore only look back P2D, evaluated at
most daily; `PT26H`-style windows above two days, or a frequency longer than its window, fail.
"""

from __future__ import annotations

import re
from datetime import timedelta

from lark import Token, Tree

from tools.bicep_typecheck.grammar import Problem, Template, pairs
from tools.bicep_typecheck.typedata import literal

DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
LOG_ALERT_LIMITS = {  # property -> (shortest, longest)
    "evaluationFrequency": (timedelta(minutes=1), timedelta(days=1)),
    "windowSize": (timedelta(minutes=1), timedelta(days=2)),
}


def iso_duration(text: str) -> timedelta | None:
    """An ISO 8601 duration of days, hours, minutes and seconds (what Azure Monitor takes), or None."""
    match = DURATION.match(text)
    if not match or text in {"P", "PT"} or text.endswith("T"):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


class ProviderRules:
    """Mixed into the Checker: `through_variables` and `report` come from PropertyRules."""

    problems: list[Problem]

    def report(self, template: Template, line: int, where: str, message: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def through_variables(
        self, template: Template, value: Tree[Token] | Token
    ) -> tuple[Tree[Token] | Token, list[str]]:  # pragma: no cover
        raise NotImplementedError

    def check_log_alert_windows(self, template: Template, obj: Tree[Token], where: str) -> None:
        given = {key: (value, line) for key, value, line in pairs(obj)}
        properties = given.get("properties")
        if properties is None or not isinstance(properties[0], Tree) or properties[0].data != "object":
            return
        durations: dict[str, tuple[timedelta, int]] = {}
        for key, value, line in pairs(properties[0]):
            if key not in LOG_ALERT_LIMITS:
                continue
            resolved, _ = self.through_variables(template, value)
            shape, text = literal(resolved)
            if shape != "string":
                continue  # an expression: only the provider knows its value
            duration = iso_duration(str(text))
            shortest, longest = LOG_ALERT_LIMITS[key]
            if duration is None:
                self.report(
                    template,
                    line,
                    where,
                    f"property 'properties.{key}' value {text!r} is not an ISO 8601 duration (e.g. PT5M, PT1H, P1D)",
                )
            elif not shortest <= duration <= longest:
                self.report(
                    template,
                    line,
                    where,
                    f"property 'properties.{key}' value {text!r} is outside what "
                    f"Azure Monitor accepts for a log alert ({_show(shortest)} to {_show(longest)})",
                )
            else:
                durations[key] = (duration, line)
        if {"evaluationFrequency", "windowSize"} <= set(durations):
            window, line = durations["windowSize"]
            if window < durations["evaluationFrequency"][0]:
                self.report(
                    template,
                    line,
                    where,
                    "property 'properties.windowSize' is shorter than "
                    "'properties.evaluationFrequency': the rule would not look at every period it runs for",
                )


def _show(duration: timedelta) -> str:
    return f"{duration.days} day(s)" if duration.days else f"{duration.seconds // 60} minute(s)"
