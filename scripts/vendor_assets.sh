#!/usr/bin/env bash
# Copy the browser libraries the pages load from their npm packages into static/vendor/, where
# the Function App serves them (node_modules is not deployed): Swagger UI for the docs page, and
# MSAL's self-contained browser bundle (UMD, defines window.msal, no bundler needed) for the web
# page's Entra ID sign-in. Run after changing a version in package.json; tests check the copies
# still match the installed packages.
set -euo pipefail
cd "$(dirname "$0")/.."

vendor() {  # vendor <npm package> <target folder> <files...>
  local source_dir=node_modules/$1 target=static/vendor/$2
  shift 2
  mkdir -p "$target"
  for file in "$@" LICENSE; do
    cp "$source_dir/$file" "$target/$(basename "$file")"
  done
  node -p "require('./$source_dir/package.json').version" > "$target/VERSION"
}

vendor swagger-ui-dist swagger-ui swagger-ui-bundle.js swagger-ui.css
vendor @azure/msal-browser msal-browser lib/msal-browser.min.js
