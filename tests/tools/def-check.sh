#!/usr/bin/env bash
# def-check.sh — checks a Singularity/Apptainer definition file without Singularity (Debian 12
# has none): the header, the sections, and the shell in its script sections.
#
#   def-check.sh [--context DIR] FILE.def     exit 0 clean, 1 with findings (on stdout)
#   def-check.sh --section NAME FILE.def      prints the body of section %NAME (exit 1: none)
#
# Header: "Key: value" lines (and comments) before the first section; Bootstrap must be a
# known agent and From present unless it is scratch; no unknown keys. Sections: known names,
# none twice (apps excepted). %files: "SRC [DST]" lines, each SRC present in DIR with
# --context. %labels: "KEY VALUE" lines. %setup %post %environment %runscript %startscript
# %test: shellcheck -s sh (every severity) with line numbers of the .def file.
set -uo pipefail

section_body() { # FILE NAME -> body lines of %NAME
  awk -v want="$2" '
    /^%[A-Za-z]+/ { sec = substr($1, 2); next }
    sec == want { print }' "$1"
}

if [ "${1:-}" = --section ]; then
  [ $# -eq 3 ] || { echo "usage: $0 --section NAME FILE.def" >&2; exit 2; }
  grep -qE "^%$2([[:space:]]|\$)" "$3" || exit 1
  section_body "$3" "$2"
  exit 0
fi
context=
if [ "${1:-}" = --context ]; then context=$2; shift 2; fi
[ $# -eq 1 ] || { echo "usage: $0 [--context DIR] FILE.def" >&2; exit 2; }
def=$1
[ -f "$def" ] || { echo "$def: no such file"; exit 1; }
command -v shellcheck >/dev/null || { echo "def-check: shellcheck not found (apt-get install shellcheck)" >&2; exit 2; }
rc=0
bad() { echo "$def:$1: $2"; rc=1; }

# header
agents='docker|docker-daemon|docker-archive|oci|oci-archive|library|localimage|shub|oras|scratch|debootstrap|yum|zypper|busybox|arch'
keys='Bootstrap|From|Stage|Registry|Namespace|IncludeCmd|MirrorURL|OSVersion|Include|Fingerprints|Confurl|UpdateURL|Product|User|Regcode|Productpgp|Registerurl|Setopt'
n=0; boot=; from=
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  case $line in
    %*) break ;;
    '' | '#'*) continue ;;
  esac
  if [[ $line =~ ^([A-Za-z]+):[[:space:]]*(.*)$ ]]; then
    key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
    [[ $key =~ ^($keys)$ ]] || bad $n "unknown header key '$key'"
    case $key in
      Bootstrap) [ -z "$boot" ] || bad $n "Bootstrap given twice"; boot=$val
        [[ $val =~ ^($agents)$ ]] || bad $n "unknown bootstrap agent '$val'" ;;
      From) [ -z "$from" ] || bad $n "From given twice"; from=$val
        [[ $val =~ ^[^[:space:]]+$ ]] || bad $n "From is not one word: '$val'" ;;
    esac
  else
    bad $n "not a header line: '$line'"
  fi
done <"$def"
[ -n "$boot" ] || bad 1 "no Bootstrap header"
[ -n "$from" ] || [ "$boot" = scratch ] || bad 1 "no From header"

# sections
seen=" "
while IFS=: read -r n rest; do
  name=${rest%%[[:space:]]*}; name=${name#%}
  case $name in
    setup | files | environment | post | runscript | startscript | test | labels | help | arguments) ;;
    app*) continue ;;
    *) bad "$n" "unknown section %$name"; continue ;;
  esac
  case $seen in *" $name "*) bad "$n" "section %$name given twice" ;; esac
  seen="$seen$name "
done < <(grep -nE '^%' "$def")

# %files and %labels
awk '/^%[A-Za-z]+/ { sec = substr($1, 2); next } { print NR ":" sec ":" $0 }' "$def" |
while IFS=: read -r n sec line; do
  [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
  read -r -a w <<<"$line"
  case $sec in
    files)
      [ ${#w[@]} -le 2 ] || { echo "$def:$n: %files line is not 'SRC [DST]': '$line'"; echo x >&3; }
      if [ -n "$context" ] && [ ! -e "$context/${w[0]}" ]; then
        echo "$def:$n: %files source ${w[0]} is not in $context"; echo x >&3
      fi ;;
    labels)
      [ ${#w[@]} -ge 2 ] || { echo "$def:$n: %labels line is not 'KEY VALUE': '$line'"; echo x >&3; } ;;
  esac
done 3>"${TMPDIR:-/tmp}/def-check.$$"
[ -s "${TMPDIR:-/tmp}/def-check.$$" ] && rc=1
rm -f "${TMPDIR:-/tmp}/def-check.$$"

# shell sections, padded so that shellcheck's line numbers are the .def file's
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk -v d="$tmp" '
  /^%[A-Za-z]+/ { sec = substr($1, 2); f = "";
    if (sec ~ /^(setup|post|environment|runscript|startscript|test)$/) {
      f = d "/" sec ".sh"; print "#!/bin/sh" > f; for (i = 1; i < NR; i++) print "" >> f }
    next }
  f != "" { print >> f }' "$def"
for s in "$tmp"/*.sh; do
  [ -e "$s" ] || continue
  sec=$(basename "$s" .sh)
  out=$(shellcheck -s sh -f gcc "$s") || { rc=1; printf '%s\n' "$out" | sed "s|^$tmp/$sec.sh|$def(%$sec)|"; }
done
exit $rc
