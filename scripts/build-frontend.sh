#!/usr/bin/env bash
# Build the staff dashboard's front-end assets from npm packages into src/joinedup/web/static/.
# The output is committed, so neither users nor `make test` need Node; run this after changing frontend/.
# Needs Node 20+ and npm. Usage: bash scripts/build-frontend.sh
set -euo pipefail
cd "$(dirname "$0")/../frontend"

npm ci --no-audit --no-fund --ignore-scripts
GOVUK=node_modules/govuk-frontend/dist/govuk
OUT=../src/joinedup/web/static
VENDOR=../tests/web/vendor

rm -rf "$OUT" && mkdir -p "$OUT" "$VENDOR"
npx sass --no-source-map --style=compressed --load-path=node_modules src/dashboard.scss "$OUT/dashboard.css"
cp "$GOVUK/govuk-frontend.min.js" "$OUT/govuk-frontend.min.js"
cp src/dashboard.mjs "$OUT/dashboard.mjs"
cp src/change-progress.mjs "$OUT/change-progress.mjs"
# No fonts or images: the GDS Transport typeface and the crown are for services on GOV.UK, which a hub is not.
# axe-core, for the accessibility tests only (never served by the dashboard).
cp node_modules/axe-core/axe.min.js "$VENDOR/axe.min.js"

node -e '
const fs = require("fs");
const versions = {};
for (const name of ["govuk-frontend", "sass", "axe-core"]) {
  versions[name] = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8")).version;
}
fs.writeFileSync(process.argv[1], JSON.stringify(versions, null, 2) + "\n");
' "$OUT/versions.json"
echo "built $(du -sh "$OUT" | cut -f1) of assets into src/joinedup/web/static"
