#!/usr/bin/env bash
# Copy the docs page's Swagger UI assets from the npm package into static/vendor/, where the
# Function App serves them (node_modules is not deployed). Run after changing the version in
# package.json; tests check the copies still match the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=node_modules/swagger-ui-dist
target=static/vendor/swagger-ui
mkdir -p "$target"
for file in swagger-ui-bundle.js swagger-ui.css LICENSE; do
  cp "$source_dir/$file" "$target/$file"
done
node -p "require('./$source_dir/package.json').version" > "$target/VERSION"
