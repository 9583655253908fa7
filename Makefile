# The two commands a newcomer needs: `make run` (API + Azurite on http://127.0.0.1:7071/api)
# and `make test` (the whole suite). Both install what they need into the project first.
.PHONY: run test setup bench mutation lint clean openapi contract clients

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# The contract: write openapi/openapi.json from the app (make test fails while it differs from
# the served document), and refuse breaking changes since the last release (docs/clients.md).
openapi: setup
	.venv/bin/python -m apicontract.document

contract: setup
	.venv/bin/python -m apicontract.gate

# Regenerate the clients from openapi/openapi.json: the Python package in clients/python and the
# web page's TypeScript types and bundle (static/app/). make test fails while they are stale.
clients: setup
	.venv/bin/python -m apicontract.clients

# Every offline infra check (Bicep type check against Azure's type definitions, template and
# policy tests, checkov); `make test` runs it too.
check-infra: setup
	bash scripts/check_infra.sh

bench:
	bash scripts/bench.sh

# Mutation testing of shared/ (slow: run on a schedule by CI, not by make test); writes artifacts/mutation.md.
mutation:
	bash scripts/mutation.sh

setup:
	bash scripts/setup.sh

lint: setup
	.venv/bin/ruff check . && .venv/bin/mypy && .venv/bin/lint-imports --no-cache

clean:
	rm -rf .venv .venv-checkov .venv-worker313 node_modules .pytest_cache .mypy_cache .ruff_cache mutants
	find artifacts -type f ! -name mutation.md -delete 2>/dev/null || true  # mutation.md is committed
