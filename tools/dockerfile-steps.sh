#!/usr/bin/env bash
# Runs the Dockerfile's steps outside Docker, in a temp dir, so CI (which has no Docker
# engine) catches a Dockerfile whose build cannot work, e.g. NODE_ENV=production set before
# `npm ci`, which skips the devDependencies the build needs.
#
# Each stage gets its own root under the temp dir. FROM, WORKDIR, ENV, COPY (from the build
# context or `--from=<stage>`) and RUN are carried out in order; RUN runs with the stage's
# ENV in its WORKDIR, except system steps (apt-get, chown, mkdir or ln -s into an absolute
# path): they need the image's root filesystem and are listed, not run. Then the final
# stage's file set is smoke-tested: the CLI starts, migrates an embedded database, and no
# devDependency is left in it.
#
#   tools/dockerfile-steps.sh [Dockerfile]        KEEP=1 keeps the temp dir
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dockerfile="${1:-$root/Dockerfile}"
work="$(mktemp -d "${TMPDIR:-/tmp}/mapwatch-dockerfile.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi

say() { printf '%s\n' "$*"; }
fail() { printf 'dockerfile-steps: %s:%s: %s\n' "$dockerfile" "$lineno" "$*" >&2; exit 1; }

stages=()
stage=""
stage_root=""
workdir="/"
env_vars=()
skipped=()
lineno=0

# Absolute path inside the current stage's root.
in_stage() { case "$1" in /*) printf '%s%s' "$stage_root" "$1" ;; *) printf '%s%s/%s' "$stage_root" "${workdir%/}" "$1" ;; esac; }

do_copy() {
  local from="" args=()
  for a in "$@"; do
    case "$a" in
      --from=*) from="${a#--from=}" ;;
      --chown=* | --chmod=* | --link) ;;
      *) args+=("$a") ;;
    esac
  done
  [ ${#args[@]} -ge 2 ] || fail "COPY needs a source and a destination"
  local dest="${args[-1]}"
  unset 'args[-1]'
  local dest_path
  dest_path="$(in_stage "$dest")"
  local as_dir=0
  case "$dest" in */) as_dir=1 ;; esac
  [ ${#args[@]} -gt 1 ] && as_dir=1
  for src in "${args[@]}"; do
    local src_path
    if [ -n "$from" ]; then
      [ -d "$work/stage-$from" ] || fail "COPY --from=$from: no such stage"
      case "$src" in /*) src_path="$work/stage-$from$src" ;; *) fail "COPY --from needs an absolute source" ;; esac
    else
      src_path="$root/$src"
    fi
    [ -e "$src_path" ] || fail "COPY: $src does not exist${from:+ in stage $from}"
    if [ -d "$src_path" ]; then
      mkdir -p "$dest_path"
      cp -a "$src_path/." "$dest_path/"
    elif [ $as_dir = 1 ]; then
      mkdir -p "$dest_path"
      cp -a "$src_path" "$dest_path/"
    else
      mkdir -p "$(dirname "$dest_path")"
      cp -a "$src_path" "$dest_path"
    fi
  done
}

do_run() {
  local cmd="$1"
  if [[ "$cmd" =~ ^(apt-get|apk|chown|useradd|groupadd|mkdir\ -p\ /|ln\ -s\ /) ]]; then
    skipped+=("$cmd")
    say "  (system step, not run outside Docker) RUN $cmd"
    return
  fi
  say "  RUN $cmd"
  # The CI environment minus NODE_ENV, plus the stage's ENV, as the image would have it.
  (cd "$(in_stage .)" && env -u NODE_ENV "${env_vars[@]}" bash -euo pipefail -c "$cmd") ||
    fail "RUN failed: $cmd"
}

# Logical lines: comments and blanks dropped, backslash continuations joined.
mapfile -t raw < "$dockerfile"
logical=()
numbers=()
buf=""
start=0
for i in "${!raw[@]}"; do
  line="${raw[$i]}"
  [ -z "$buf" ] && start=$((i + 1))
  case "$line" in \#* | '') [ -z "$buf" ] && continue ;; esac
  if [[ "$line" == *\\ ]]; then
    buf+="${line%\\} "
    continue
  fi
  logical+=("$buf$line")
  numbers+=("$start")
  buf=""
done

for i in "${!logical[@]}"; do
  line="${logical[$i]}"
  lineno="${numbers[$i]}"
  instr="${line%%[[:space:]]*}"
  rest="${line#"$instr"}"
  rest="${rest#"${rest%%[![:space:]]*}"}"
  case "$instr" in
    FROM)
      read -r -a f <<< "$rest"
      stage="${f[2]:-${#stages[@]}}"
      stages+=("$stage")
      stage_root="$work/stage-$stage"
      mkdir -p "$stage_root"
      workdir="/"
      env_vars=()
      say "stage $stage (${f[0]})"
      ;;
    WORKDIR)
      workdir="$rest"
      mkdir -p "$(in_stage .)"
      ;;
    ENV)
      read -r -a kv <<< "$rest"
      for p in "${kv[@]}"; do
        [[ "$p" == *=* ]] || fail "ENV: write KEY=value ($p)"
        env_vars+=("$p")
      done
      say "  ENV ${kv[*]}"
      ;;
    COPY)
      read -r -a c <<< "$rest"
      say "  COPY ${c[*]}"
      do_copy "${c[@]}"
      ;;
    RUN) do_run "$rest" ;;
    USER | VOLUME | ENTRYPOINT | CMD | EXPOSE | LABEL | ARG | SHELL | HEALTHCHECK | STOPSIGNAL) ;;
    *) fail "unsupported instruction $instr" ;;
  esac
done

[ -n "$stage" ] || fail "no FROM"
app="$(in_stage .)"
say "smoke test of the final stage ($app)"
for dev in vitest eslint prettier; do [ ! -e "$app/node_modules/$dev" ] || { echo "dockerfile-steps: devDependency $dev left in the image" >&2; exit 1; }; done
data="$work/data"
mkdir -p "$data"
run_cli() { (cd "$app" && env -u NODE_ENV "${env_vars[@]}" MAPWATCH_DATA_DIR="$data" DATABASE_URL= REDIS_URL= node bin/mapwatch.js "$@"); }
run_cli --version
run_cli price '1.299,00 €' --json
run_cli migrate
say "ok: the Dockerfile's steps build and the runtime file set runs (${#skipped[@]} system step(s) left to Docker)"

# The compose file must be valid as Docker Compose reads it (Debian's docker-compose checks it
# without an engine).
if command -v docker-compose > /dev/null; then
  (cd "$root" && docker-compose -f docker-compose.yml config -q) || { echo 'dockerfile-steps: docker-compose.yml is invalid' >&2; exit 1; }
  say "ok: docker-compose.yml passes docker-compose config"
else
  say "warning: docker-compose not installed; docker-compose.yml not checked (apt-get install docker-compose)"
fi
