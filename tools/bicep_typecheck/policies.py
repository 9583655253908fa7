"""API Management policy documents (infra/policies/*.xml) checked against a schema of the policies
they use: which elements may appear where, their attributes, enumerated values, booleans,
integers and required attributes, taken from Microsoft's policy reference
(learn.microsoft.com/azure/api-management/<policy>-policy, one page per policy). The Bicep
compiler sees a policy only as a string; API Management rejects a wrong attribute value when the
policy is PUT (e.g. `exists-action="overwrite"`: "'overwrite' is not a valid value"), so this is
the offline stand-in for that validation. A policy not in the schema is itself reported: add it
from its reference page before using it.

Values that are placeholders (`__NAME__`, filled by infra/modules/apim.bicep; the composed
documents are checked by tests/infra) or policy expressions (`@(...)`, `@{...}`) are accepted
where the reference allows expressions, i.e. everywhere except enumerated attributes.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from tools.bicep_typecheck.grammar import Problem

BOOL = ("true", "false")
INT = "int"
ANY = "any"
PLACEHOLDER = re.compile(r"^__[A-Z0-9_]+__$")
SECTIONS = ("inbound", "backend", "outbound", "on-error")


@dataclass(frozen=True)
class Element:
    attributes: dict[str, object] = field(default_factory=dict)  # name -> ANY | INT | tuple of allowed values
    required: frozenset[str] = frozenset()
    children: frozenset[str] | None = None  # None: text only (no child elements)


STATEMENTS = frozenset({
    "base", "set-header", "set-variable", "cache-lookup-value", "cache-store-value", "rate-limit-by-key",
    "set-backend-service", "choose", "validate-jwt", "return-response", "authentication-managed-identity", "cors",
    "cache-lookup", "cache-store", "set-status", "set-body",
})
CACHING_TYPE = ("internal", "external", "prefer-external")

SCHEMA: dict[str, Element] = {
    "policies": Element(children=frozenset(SECTIONS)),
    **{section: Element(children=STATEMENTS) for section in SECTIONS},
    "base": Element(children=frozenset()),
    # set-header-policy
    "set-header": Element({"name": ANY, "exists-action": ("override", "skip", "append", "delete")},
                          frozenset({"name"}), frozenset({"value"})),
    "value": Element(),
    # set-variable-policy
    "set-variable": Element({"name": ANY, "value": ANY}, frozenset({"name", "value"}), frozenset()),
    # cache-lookup-value-policy / cache-store-value-policy
    "cache-lookup-value": Element(
        {"key": ANY, "variable-name": ANY, "default-value": ANY, "caching-type": CACHING_TYPE},
        frozenset({"key", "variable-name"}), frozenset()),
    "cache-store-value": Element({"key": ANY, "value": ANY, "duration": INT, "caching-type": CACHING_TYPE},
                                 frozenset({"key", "value", "duration"}), frozenset()),
    # rate-limit-by-key-policy
    "rate-limit-by-key": Element(
        {"calls": INT, "renewal-period": INT, "counter-key": ANY, "increment-condition": ANY, "increment-count": INT,
         "retry-after-header-name": ANY, "retry-after-variable-name": ANY, "remaining-calls-header-name": ANY,
         "remaining-calls-variable-name": ANY, "total-calls-header-name": ANY},
        frozenset({"calls", "renewal-period", "counter-key"}), frozenset()),
    # set-backend-service-policy
    "set-backend-service": Element({"base-url": ANY, "backend-id": ANY, "sf-resolve-condition": ANY,
                                    "sf-service-instance-name": ANY, "sf-listener-name": ANY}, children=frozenset()),
    # choose-policy
    "choose": Element(children=frozenset({"when", "otherwise"})),
    "when": Element({"condition": ANY}, frozenset({"condition"}), STATEMENTS),
    "otherwise": Element(children=STATEMENTS),
    # validate-jwt-policy
    "validate-jwt": Element(
        {"header-name": ANY, "query-parameter-name": ANY, "token-value": ANY, "failed-validation-httpcode": INT,
         "failed-validation-error-message": ANY, "require-expiration-time": BOOL, "require-scheme": ANY,
         "require-signed-tokens": BOOL, "clock-skew": INT, "output-token-variable-name": ANY},
        children=frozenset({"openid-config", "issuer-signing-keys", "decryption-keys", "audiences", "issuers",
                            "required-claims"})),
    "openid-config": Element({"url": ANY}, frozenset({"url"}), frozenset()),
    "audiences": Element(children=frozenset({"audience"})),
    "audience": Element(),
    "issuers": Element(children=frozenset({"issuer"})),
    "issuer": Element(),
    "required-claims": Element(children=frozenset({"claim"})),
    "claim": Element({"name": ANY, "match": ("all", "any"), "separator": ANY}, frozenset({"name"}),
                     frozenset({"value"})),
    # return-response-policy, set-status-policy, set-body-policy
    "return-response": Element({"response-variable-name": ANY},
                               children=frozenset({"set-status", "set-header", "set-body"})),
    "set-status": Element({"code": INT, "reason": ANY}, frozenset({"code"}), frozenset()),
    "set-body": Element({"template": ("liquid", "none"), "xsi-nil": ("blank", "null"),
                         "parse-date": BOOL}),
    # authentication-managed-identity-policy
    "authentication-managed-identity": Element(
        {"resource": ANY, "client-id": ANY, "output-token-variable-name": ANY, "ignore-error": BOOL},
        frozenset({"resource"}), frozenset()),
    # cors-policy
    "cors": Element({"allow-credentials": BOOL, "terminate-unmatched-request": BOOL},
                    children=frozenset({"allowed-origins", "allowed-methods", "allowed-headers", "expose-headers"})),
    "allowed-origins": Element(children=frozenset({"origin"})),
    "origin": Element(),
    "allowed-methods": Element({"preflight-result-max-age": INT}, children=frozenset({"method"})),
    "method": Element(),
    "allowed-headers": Element(children=frozenset({"header"})),
    "expose-headers": Element(children=frozenset({"header"})),
    "header": Element(),
    # cache-lookup-policy / cache-store-policy
    "cache-lookup": Element(
        {"vary-by-developer": BOOL, "vary-by-developer-groups": BOOL, "allow-private-response-caching": BOOL,
         "downstream-caching-type": ("none", "private", "public"), "must-revalidate": BOOL,
         "caching-type": CACHING_TYPE},
        frozenset({"vary-by-developer", "vary-by-developer-groups"}),
        frozenset({"vary-by-header", "vary-by-query-parameter"})),
    "vary-by-header": Element(),
    "vary-by-query-parameter": Element(),
    "cache-store": Element({"duration": INT, "cache-response": BOOL}, frozenset({"duration"}), frozenset()),
}


def _expression(value: str) -> bool:
    return value.startswith(("@(", "@{"))


def _value_problem(kind: object, value: str) -> str | None:
    if PLACEHOLDER.match(value):
        return None
    if isinstance(kind, tuple):
        if value not in kind:
            return f"value {value!r} is not allowed; expected {' | '.join(kind)}"
        return None
    if _expression(value) or kind == ANY:
        return None
    if kind == INT and not re.fullmatch(r"-?[0-9]+", value):
        return f"value {value!r} is not an integer"
    return None


def check_text(text: str, label: str) -> list[Problem]:
    """Problems of one policy document or fragment (a fragment is checked as if in a section)."""
    problems: list[Problem] = []
    stack: list[str] = []
    parser = xml.parsers.expat.ParserCreate()

    def start(name: str, attributes: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        parent = stack[-1] if stack else None
        stack.append(name)
        if name == "fragment" and parent is None:
            return  # the wrapper added below
        if parent == "fragment":
            parent = None
        element = SCHEMA.get(name)
        where = f"policy <{name}>"
        if element is None:
            problems.append(Problem(label, line, where, "not in the policy schema (tools/bicep_typecheck/policies.py); "
                                    "add it from Microsoft's policy reference"))
            return
        if parent is not None and parent in SCHEMA:
            allowed = SCHEMA[parent].children
            if allowed is None or name not in allowed:
                problems.append(Problem(label, line, where, f"not allowed inside <{parent}>"))
        for attribute, value in attributes.items():
            kind = element.attributes.get(attribute)
            if kind is None:
                problems.append(Problem(label, line, f"{where} attribute '{attribute}'", "unknown attribute"
                                        + (f" (known: {', '.join(sorted(element.attributes))})" if element.attributes
                                           else "")))
                continue
            problem = _value_problem(kind, value)
            if problem:
                problems.append(Problem(label, line, f"{where} attribute '{attribute}'", problem))
        for attribute in sorted(element.required - set(attributes)):
            problems.append(Problem(label, line, f"{where} attribute '{attribute}'", "required attribute is missing"))

    def end(name: str) -> None:
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(f"<fragment>{text}</fragment>", True)  # same lines; fragments have no single root
    except xml.parsers.expat.ExpatError as error:
        problems.append(Problem(label, error.lineno, "policy XML", f"not well-formed: {error}"))
    return problems


def check_policies(infra: Path) -> list[Problem]:
    problems: list[Problem] = []
    for path in sorted((infra.resolve() / "policies").glob("*.xml")):
        problems += check_text(path.read_text(), str(path.relative_to(infra.resolve().parent)))
    return problems
