#!/usr/bin/env bash
# Every offline check of infra/ (`make check-infra`; `make test` runs it):
# 1. the Bicep type check (tools/bicep_typecheck): resource types, API versions and every
#    property against Azure's own type definitions in ../shared/azure-types (the data the Bicep
#    compiler uses; without it only symbols and modules are checked, and it says so), undefined
#    symbols, property reads, module parameters and outputs; a file that does not parse fails;
# 2. the template, policy and deployment-order tests (tests/infra);
# 3. checkov's policy scan, in its own virtual environment (it pins pycep-parser 0.5.1 and an
#    older `packaging` than the test tools). checkov exits 0 even when it could not parse a
#    file, so its JSON is read and parsing errors, failed checks or an empty scan fail here.
# The real compiler (az bicep build/lint, what-if) runs in the GitHub workflow.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== bicep type check"
.venv/bin/python -m tools.bicep_typecheck infra

echo "== infra tests"
set +e
.venv/bin/python -m pytest tests/infra -q -p no:cacheprovider
status=$?
set -e
[ "$status" -eq 0 ] || { [ "$status" -eq 5 ] && echo "infra tests: none collected" >&2; exit 1; }

echo "== checkov"

if [ ! -x .venv-checkov/bin/checkov ]; then
  python3 -m venv .venv-checkov
  .venv-checkov/bin/python -m pip install --disable-pip-version-check -q checkov==3.3.30 > .venv-checkov/pip.log 2>&1 \
    || { cat .venv-checkov/pip.log >&2; exit 1; }
fi

# Files declaring a Bicep `extension` (the Microsoft Graph registration): pycep 0.5.1, checkov's
# parser, cannot read that keyword and checkov has no check for Microsoft.Graph types, so they
# are left out of this scan BY NAME (said below). The type check above and tests/infra read them
# with the extension line blanked; any other file checkov cannot parse still fails this step.
extension_files=$(grep -rlE '^extension[[:space:]]+' infra --include='*.bicep' | sort || true)
skip_args=()
for file in $extension_files; do
  skip_args+=(--skip-path "$file")
  echo "checkov: not scanned: $file (declares a Bicep extension; type-checked and tested above)"
done

report=$(mktemp)
trap 'rm -f "$report"' EXIT
.venv-checkov/bin/checkov -d infra --framework bicep --skip-download --compact "${skip_args[@]}" -o json > "$report" || true

.venv/bin/python - "$report" $extension_files <<'PY'
import json
import pathlib
import sys

data = json.loads(pathlib.Path(sys.argv[1]).read_text() or "{}")
reports = data if isinstance(data, list) else [data]
summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
failures = []
for report in reports:
    for key in summary:
        summary[key] += int(report.get("summary", {}).get(key, 0))
    failures += report.get("results", {}).get("failed_checks", [])
not_scanned = set(sys.argv[2:])
bicep_files = sorted(str(p) for p in pathlib.Path("infra").rglob("*.bicep") if str(p) not in not_scanned)
scanned = set()
for report in reports:
    for section in ("passed_checks", "failed_checks", "skipped_checks"):
        for check in report.get("results", {}).get(section, []):
            scanned.add(check["file_path"].lstrip("/"))
print(f"checkov: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
      f"(with reasons), {summary['parsing_errors']} parsing errors, {summary['resource_count']} resources, "
      f"{len(scanned)} of {len(bicep_files)} Bicep files had applicable checks"
      + (f"; {len(not_scanned)} not scanned (Bicep extension)" if not_scanned else ""))
for check in failures:
    print(f"  FAILED {check['check_id']} {check['check_name']} at {check['file_path']}:{check['resource']}")
problems = []
if summary["parsing_errors"]:
    problems.append("checkov could not parse some files")
if summary["failed"]:
    problems.append("failed checks")
if summary["passed"] == 0 or summary["resource_count"] == 0:
    problems.append("nothing was scanned")
if problems:
    print("infra scan FAILED: " + "; ".join(problems))
    sys.exit(1)
PY
