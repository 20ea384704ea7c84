#!/bin/bash
# Fails when a Markdown file the package ships in its doc folder links to a file that is not there: README.md
# links to docs/, tests/e2e/README.md, LICENSE and NOTICE, which must be beside it in /usr/share/doc/l2vlan.
# Run by debian/rules once the doc folder is complete (links made, files compressed).
#   usage: packaging/check-doc-links.sh DOC-FOLDER      e.g. debian/l2vlan/usr/share/doc/l2vlan
set -euo pipefail
doc=${1:?usage: check-doc-links.sh DOC-FOLDER}
root=${doc%/usr/share/doc/*}

# True when $1, a path in the package, is there; a symlink to another package's file (LICENSE to base-files'
# common-licenses) is followed on this system, where that package is installed.
present() {
    [ -e "$1" ] && return 0
    [ -L "$1" ] || return 1
    local target
    target=$(readlink "$1")
    case $target in
        /*) [ -e "$target" ] ;;
        *) local dir=${1%/*}; [ -e "$(realpath -m "/${dir#"$root"/}/$target")" ] ;;
    esac
}

checked=0 broken=()
while IFS= read -r -d '' page; do
    # The targets of [text](target) that are neither web addresses nor anchors of the page itself.
    while IFS= read -r target; do
        target=${target%%#*}
        checked=$((checked + 1))
        present "$(dirname "$page")/$target" || broken+=("${page#"$doc"/} links to $target")
    done < <(grep -oE '\]\([^)#[:space:]][^)[:space:]]*\)' "$page" | sed -E 's/^\]\((.*)\)$/\1/' | grep -vE '^[a-z]+:' || true)
done < <(find "$doc" -name '*.md' -print0)

if [ ${#broken[@]} -gt 0 ]; then
    echo "check-doc-links: in $doc, links to files the package does not ship:" >&2
    printf '  %s\n' "${broken[@]}" >&2
    exit 1
fi
echo "check-doc-links: all $checked links between the package's documents lead to a file"
