"""Offline check of infra/*.bicep against Azure's own resource type definitions.

The real Bicep compiler cannot be installed on these machines, and checkov passes templates
with a misspelled property, a nonexistent API version or an undefined symbol. This package
reads the same data the compiler checks against (bicep-types-az `types.json` files, kept
outside the project in ../shared/azure-types) and applies the compiler's main rules to the
templates as parsed by pycep's grammar (the parser checkov uses, so a file checkov cannot read
fails here too):

- every resource type exists at its API version (or is listed in UNTYPED with a reason),
  Microsoft Graph types included (`extension microsoftGraphV1`, configured in bicepconfig.json);
- every property set exists at that place, is not read-only, has the right JSON type, and a
  literal value satisfies the definition's enum, pattern, length and range; values flow through
  variables (objects, arrays, literals, static interpolations) as they do in Bicep (expressions:
  the property name only, plus the type of a parameter used directly);
- child resources: no '/' in a name declared with `parent:` (BCP170), a parent of the type one
  level up, one name segment per level without `parent:` (BCP169);
- diagnostic settings: each log category, group and metric category is one Microsoft documents
  for the type the setting is scoped to (diagnostics.py);
- the API Management policy documents against a schema of the policies they use: elements and
  where they may appear, attributes, enumerated values, booleans, integers, required attributes
  (policies.py);
- log alerts: windowSize and evaluationFrequency are ISO 8601 durations within what Azure
  Monitor accepts, the window no shorter than the frequency (provider_rules.py: open strings in
  the type data, refused only by the provider);
- every property read from a resource or module output exists (and is not write-only);
- every symbol used is declared (parameter, variable, resource, module, loop variable);
- module parameters exist in the module and the required ones are given.

Symbols and modules are checked even without the type data; the type rules need it.

Run: `.venv/bin/python -m tools.bicep_typecheck [infra-dir] [--types DIR]`; exit status 1 with one
line per problem (`file:line: where: message`).
"""

from tools.bicep_typecheck.checker import DEFAULT_TYPES, ROOT, UNTYPED, Checker, check
from tools.bicep_typecheck.grammar import ParseFailure, Problem
from tools.bicep_typecheck.typedata import TypeIndex, resolve

__all__ = ["DEFAULT_TYPES", "ROOT", "UNTYPED", "Checker", "ParseFailure", "Problem", "TypeIndex", "check", "resolve"]
