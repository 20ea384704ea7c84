#!/bin/bash
# Fails when the build pulled in a NuGet package that debian/copyright does not name: every
# package restored for the executable (project.assets.json's libraries and download
# dependencies: the runtime packs) must appear, by its ID, in the copyright file's list of
# components compiled in. Run by debian/rules after the publish.
#   usage: packaging/check-copyright.sh PROJECT.ASSETS.JSON DEBIAN/COPYRIGHT
set -euo pipefail
assets=${1:?usage: check-copyright.sh PROJECT.ASSETS.JSON COPYRIGHT} copyright=${2:?}

# The libraries section's keys are "ID/VERSION" at four spaces of indentation; a project of this
# repository is a library of type "project". The runtime packs are the download dependencies.
packages=$(awk '
    /^  "libraries": \{/ { inlib = 1; next }
    inlib && /^  [}]/ { inlib = 0 }
    inlib && match($0, /^    "[^"]+\/[^"]+": \{/) { key = substr($0, 6); sub(/\/.*/, "", key); kind[key] = "package"; last = key }
    inlib && /"type": "project"/ { kind[last] = "project" }
    /"downloadDependencies": \[/ { indl = 1 }
    indl && /\]/ { indl = 0 }
    indl && match($0, /"name": "[^"]+"/) { name = substr($0, RSTART + 9, RLENGTH - 10); kind[name] = "package" }
    END { for (k in kind) if (kind[k] == "package") print k }' "$assets" | sort)
[ -n "$packages" ] || { echo "check-copyright: no package found in $assets" >&2; exit 1; }

# The copyright file lists the packages' IDs, one per "  - ID" line; a runtime pack or compiler
# is named with its runtime identifier written as RID.
listed=$(sed -n 's/^ \+- \([^ ]*\).*/\1/p' "$copyright")
missing=()
for p in $packages; do
    generic=$(sed -E 's/linux-(x64|arm64)/RID/g' <<<"$p")
    grep -qxF -- "$generic" <<<"$listed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "check-copyright: the build uses NuGet packages that debian/copyright does not name:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    echo "check-copyright: add each, with its licence, to debian/copyright" >&2
    exit 1
fi
echo "check-copyright: debian/copyright names all $(wc -w <<<"$packages") NuGet packages of the build"
