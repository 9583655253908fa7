"""The deployment the templates describe, for a given set of parameters: which resources exist
(conditions and loops evaluated, modules instantiated with the values their callers pass) and
each one's body with parameters, variables, loop items, module outputs and a few functions
substituted. What cannot be known offline stays symbolic: a resource's `id` is a Ref to that
resource, anything else the model does not compute is an Opaque with the expression's text.
A condition or loop that does not evaluate to a definite value is an error, never a guess.

It reads pycep's parse of the files (the parser checkov uses). pycep writes identifiers and
string literals alike as plain strings; a string naming a symbol in scope is taken as that
symbol, which holds for these templates (no literal equals a declared name where it matters).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

from tests.infra.bicep_values import Handle, Opaque, Ref, ResourceId, concrete, plain
from tools.bicep_typecheck.grammar import bicep_source

# environment() in the public cloud (the private DNS zone names depend on it).
SCOPE_ARGUMENTS = ("resource_group_name", "subscription_id")
ENVIRONMENT = {
    "name": "AzureCloud",
    "suffixes": {"storage": "core.windows.net", "keyvaultDns": ".vault.azure.net"},
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com/"},
}


@dataclass
class Resource:
    instance: str
    symbol: str
    type: str
    api_version: str
    existing: bool
    index: int | None
    body: dict[str, Any]

    @property
    def ref(self) -> Ref:
        return Ref(self.instance, self.symbol, self.index)

    @property
    def properties(self) -> dict[str, Any]:
        found: dict[str, Any] = self.body.get("properties") or {}
        return found


def parse(path: Path) -> dict[str, Any]:
    return parse_text(bicep_source(path))  # `extension` lines blanked: pycep cannot read them


def parse_expression(text: str) -> Any:
    return parse_text(f"var expression = {text}\n")["variables"]["expression"]["value"]


@cache
def parse_text(text: str) -> dict[str, Any]:
    """pycep's parse, shared by every model of the same text (treat it as read-only)."""
    return dict(BicepParser().parse(text=text))


@dataclass
class Instance:
    model: Model
    key: str
    path: Path
    given: dict[str, Any]
    tree: dict[str, Any] = field(init=False)
    values: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.tree = parse(self.path)
        unknown = set(self.given) - set(self.tree.get("parameters", {}))
        if unknown:
            raise ValueError(f"{self.path.name} declares no parameter {sorted(unknown)}")

    def symbol(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        tree = self.tree
        if name in tree.get("parameters", {}):
            if name in self.given:
                value = self.given[name]
            else:
                default = tree["parameters"][name].get("default")
                if default is None:
                    raise ValueError(f"{self.key}: parameter {name} has no value")
                value = self.eval(default, {})
        elif name in tree.get("variables", {}):
            value = self.eval(tree["variables"][name]["value"], {})
        elif name in tree.get("resources", {}):
            value = Handle("resource", self.key, name)
        elif name in tree.get("modules", {}):
            value = Handle("module", self.key, name)
        else:
            raise KeyError(name)
        self.values[name] = value
        return value

    def knows(self, name: str) -> bool:
        sections = ("parameters", "variables", "resources", "modules")
        return any(name in self.tree.get(section, {}) for section in sections)

    # -- expressions ---------------------------------------------------------------------------

    def eval(self, node: Any, local: dict[str, Any]) -> Any:
        if isinstance(node, str):
            return self.eval_string(node, local)
        if isinstance(node, list):
            return [self.eval(item, local) for item in node]
        if not isinstance(node, dict):
            return node
        if "operator" in node and len(node) == 1:
            return self.eval_operator(node["operator"], local)
        if "function" in node and len(node) == 1:
            return self.eval_function(node["function"], local)
        if "loop_type" in node:
            return [value for _, value in self.loop(node, local)]
        return {self.eval_key(key, local): self.eval(value, local) for key, value in node.items()}

    def eval_key(self, key: str, local: dict[str, Any]) -> str:
        if key.startswith("'") and key.endswith("'"):
            return str(plain(self.interpolate(key[1:-1], local)))
        return key

    def eval_string(self, text: str, local: dict[str, Any]) -> Any:
        if text in local:
            return local[text]
        if re.fullmatch(r"[A-Za-z_]\w*", text) and self.knows(text):
            return self.symbol(text)
        return self.interpolate(text, local) if "${" in text else text

    def interpolate(self, text: str, local: dict[str, Any]) -> Any:
        parts: list[str] = []
        known = True
        position = 0
        for match in re.finditer(r"\$\{((?:[^{}']|'[^']*'|\{[^{}]*\})*)\}", text):
            parts.append(text[position : match.start()])
            value = self.eval(parse_expression(match.group(1)), local)
            if isinstance(value, str | int) and not isinstance(value, bool):
                parts.append(str(value))
            else:
                known = False
                parts.append("{" + str(plain(value)) + "}")
            position = match.end()
        parts.append(text[position:])
        joined = "".join(parts)
        return joined if known else Opaque(joined)

    def eval_operator(self, operator: dict[str, Any], local: dict[str, Any]) -> Any:
        kind = operator["type"]
        operands = operator.get("operands", {})
        if kind == "property_accessor":
            return self.access(self.eval(operands["operand_1"], local), operands["operand_2"], local)
        if kind == "index_accessor":
            base = self.eval(operands["operand_1"], local)
            index = self.eval(operands["operand_2"], local)
            if isinstance(base, Handle) and isinstance(index, int):
                return Handle(base.kind, base.instance, base.symbol, index)
            if isinstance(base, list | dict) and concrete(index):
                return base[index]
            return Opaque(f"{plain(base)}[{plain(index)}]")
        if kind == "conditional":
            condition = self.eval(operands["condition"], local)
            if isinstance(condition, bool):
                return self.eval(operands["true_value" if condition else "false_value"], local)
            return Opaque(f"{plain(condition)} ? ...")
        values = {name: self.eval(value, local) for name, value in operands.items()}
        if not all(concrete(v) for v in values.values()):
            return Opaque(f"{kind}({', '.join(str(plain(v)) for v in values.values())})")
        first, second = values.get("operand_1"), values.get("operand_2")
        if kind == "equals":
            return first == second
        if kind == "not_equals":
            return first != second
        if kind == "not":
            return not values["bool_value"]
        if kind == "and":
            return bool(first) and bool(second)
        if kind == "or":
            return bool(first) or bool(second)
        return Opaque(f"{kind}({', '.join(str(plain(v)) for v in values.values())})")

    def access(self, base: Any, segment: Any, local: dict[str, Any]) -> Any:
        """`base.segment`, where pycep nests the rest of a chain (`a.b.c`) into the segment."""
        if isinstance(segment, dict) and segment.get("operator", {}).get("type") == "property_accessor":
            inner = segment["operator"]["operands"]
            return self.access(self.access(base, inner["operand_1"], local), inner["operand_2"], local)
        if isinstance(segment, dict) and "operator" in segment:
            # pycep has no precedence: `a.b == c` parses as a.(b == c), so the operator's first
            # operand continues the chain and the operator applies to the result.
            operator = segment["operator"]
            operands = dict(operator["operands"])
            first = next(iter(operands))
            chained = {**local, "__chain__": self.access(base, operands[first], local)}
            operands[first] = "__chain__"
            return self.eval_operator({"type": operator["type"], "operands": operands}, chained)
        if isinstance(segment, dict):
            return Opaque(f"{plain(base)}.{json.dumps(segment, sort_keys=True)}")
        name = str(segment)
        if isinstance(base, dict):
            return base[name] if name in base else Opaque(f"{plain(base)}.{name}")
        if isinstance(base, Handle) and base.kind == "resource":
            if name == "id":
                return Ref(base.instance, base.symbol, base.index)
            if name == "name":
                return self.model.resource(base).body.get("name")
            return Opaque(f"{base.instance}/{base.symbol}.{name}")
        if isinstance(base, Handle) and base.kind == "module":
            if name == "outputs":
                return self.model.module(base)
            return Opaque(f"{base.instance}/{base.symbol}.{name}")
        if isinstance(base, Instance):  # module.outputs.<name>
            return base.eval(base.tree["outputs"][name]["value"], {})
        return Opaque(f"{plain(base)}.{name}")

    def eval_function(self, function: dict[str, Any], local: dict[str, Any]) -> Any:
        kind = function["type"]
        named = {name: self.eval(value, local) for name, value in function.get("parameters", {}).items()}
        args = list(named.values())
        result: Any
        if kind == "environment":
            result = ENVIRONMENT
        elif kind == "load_json_content":
            result = json.loads((self.path.parent / str(args[0])).read_text())
        elif kind == "load_text_content":
            result = (self.path.parent / str(args[0])).read_text()
        elif kind == "resource_id" and not any(k in named and named[k] is not None for k in SCOPE_ARGUMENTS):
            result = ResourceId(str(named["resource_type"]), tuple(
                str(plain(v)) for k, v in named.items() if k.startswith("resource_name") and v is not None))
        elif not all(concrete(a) or a is None for a in args):
            result = Opaque(f"{kind}({', '.join(str(plain(a)) for a in args)})")
        elif kind == "empty":
            result = not args[0]
        elif kind == "to_lower":
            result = str(args[0]).lower()
        elif kind == "take" and isinstance(args[0], str):
            result = args[0][: int(args[1])]
        elif kind == "union" and all(isinstance(a, dict) for a in args):
            result = {k: v for a in args for k, v in a.items()}
        elif kind in {"max", "min"} and all(isinstance(a, int) for a in args):
            result = max(args) if kind == "max" else min(args)
        elif kind == "split":
            result = str(args[0]).split(str(args[1]))
        else:
            result = Opaque(f"{kind}({', '.join(str(plain(a)) for a in args)})")
        if function.get("property_name"):
            return self.access(result, function["property_name"], local)
        return result

    def loop(self, node: dict[str, Any], local: dict[str, Any]) -> list[tuple[int, Any]]:
        """(index, value) of each item a `[for ...]` keeps."""
        detail = node["loop_type"]["detail"]
        items = self.eval(detail["array_name"], local)
        if not isinstance(items, list):
            raise ValueError(f"{self.key}: loop over {detail['array_name']} is not a known array: {plain(items)}")
        kept = []
        for index, item in enumerate(items):
            inner = {**local, detail["item_name"]: item}
            if detail.get("index_name"):
                inner[detail["index_name"]] = index
            if node.get("condition") is not None and not self.condition(node["condition"], inner):
                continue
            kept.append((index, self.eval(node["config"], inner)))
        return kept

    def condition(self, node: Any, local: dict[str, Any]) -> bool:
        value = self.eval(node, local)
        if not isinstance(value, bool):
            raise ValueError(f"{self.key}: condition {json.dumps(node)} is not known offline: {plain(value)}")
        return value


class Model:
    """Every instance (main and the modules it deploys) and every resource, for one set of
    parameters of main.bicep."""

    def __init__(self, infra: Path, parameters: dict[str, Any]) -> None:
        self.infra = infra
        self.instances: dict[str, Instance] = {}
        self.root = Instance(self, "main", infra / "main.bicep", dict(parameters))
        self.instances["main"] = self.root
        self._resources: dict[tuple[str, str, int | None], Resource] = {}
        self.deployed: list[Resource] = []
        self.deployed_modules: list[str] = []
        self.walk(self.root)

    def module(self, handle: Handle) -> Instance:
        key = f"{handle.instance}/{handle.symbol}"
        if key not in self.instances:
            parent = self.instances[handle.instance]
            declared = parent.tree["modules"][handle.symbol]
            config = declared["config"]
            if "loop_type" in config:
                raise ValueError(f"{key}: module loops are not modelled")
            body = config["config"] if "condition" in config else config
            params = {name: parent.eval(value, {}) for name, value in body.get("params", {}).items()}
            self.instances[key] = Instance(self, key, parent.path.parent / declared["detail"]["path"], params)
        return self.instances[key]

    def resource(self, handle: Handle) -> Resource:
        found = self._resources.get((handle.instance, handle.symbol, handle.index))
        if found is None:
            instance = self.instances[handle.instance]
            self.evaluate_resource(instance, handle.symbol)
            found = self._resources[(handle.instance, handle.symbol, handle.index)]
        return found

    def evaluate_resource(self, instance: Instance, symbol: str) -> list[Resource]:
        declared = instance.tree["resources"][symbol]
        config = declared["config"]
        bodies: list[tuple[int | None, Any]]
        if "loop_type" in config:
            bodies = list(instance.loop(config, {}))
        elif "condition" in config:
            deployed = instance.condition(config["condition"], {})
            bodies = [(None, instance.eval(config["config"], {}))] if deployed else []
        else:
            bodies = [(None, instance.eval(config, {}))]
        made = []
        for index, body in bodies:
            resource = Resource(instance.key, symbol, declared["type"], declared["api_version"],
                                bool(declared.get("existing")), index, body)
            self._resources[(instance.key, symbol, index)] = resource
            made.append(resource)
        return made

    def walk(self, instance: Instance) -> None:
        for symbol in instance.tree.get("resources", {}):
            self.deployed += self.evaluate_resource(instance, symbol)
        for symbol, declared in instance.tree.get("modules", {}).items():
            config = declared["config"]
            if "condition" in config and not instance.condition(config["condition"], {}):
                continue
            child = self.module(Handle("module", instance.key, symbol))
            self.deployed_modules.append(child.key)
            self.walk(child)

    # -- queries -------------------------------------------------------------------------------

    def of_type(self, type_name: str, existing: bool = False) -> list[Resource]:
        return [r for r in self.deployed if r.type == type_name and r.existing == existing]

    def by_ref(self, ref: Ref) -> Resource:
        return self.resource(Handle("resource", ref.instance, ref.symbol, ref.index))

    def snapshot(self) -> dict[str, Any]:
        """Every resource the deployment creates, with its evaluated body (JSON-ready)."""
        return {
            f"{r.instance}/{r.symbol}" + ("" if r.index is None else f"[{r.index}]"): {
                "type": f"{r.type}@{r.api_version}", "existing": r.existing, "body": plain(r.body),
            }
            for r in self.deployed
        }


# Parameters of main.bicep for each network profile (the required ones with sample values).
REQUIRED = {
    "environmentName": "dev",
    "publisherEmail": "ops@contoso.test",
    "apiAppClientId": "00000000-0000-0000-0000-000000000001",
}
PROFILES: dict[str, dict[str, Any]] = {
    "public": {**REQUIRED, "networkIsolation": "public"},
    "private": {**REQUIRED, "networkIsolation": "private", "apimSku": "StandardV2"},
}


if __name__ == "__main__":
    import sys

    profile = sys.argv[1] if len(sys.argv) > 1 else "public"
    infra = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "infra"
    parameters = PROFILES[profile]
    if not (infra / "main.bicep").read_text().count("networkIsolation"):
        parameters = {k: v for k, v in parameters.items() if k != "networkIsolation"}
    print(json.dumps(Model(infra, parameters).snapshot(), indent=1, sort_keys=True))
