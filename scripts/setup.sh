#!/usr/bin/env bash
# Sets up everything speedtimer needs in .venv inside the repo, on a fresh Debian machine.
#   scripts/setup.sh          app + audio
#   scripts/setup.sh --dev    app + audio + test tools (and tmux, sox, git for the tests, and
#                             chromium for the browser test of `speedtimer serve`)
# espeak-ng (the voice) comes with both.
# System packages come from apt-get when we run as root; otherwise we print what to install.
# Re-running is cheap: the pip step is skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Python -----------------------------------------------------------------
PY=${PYTHON:-}
if [[ -z "$PY" ]]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY=$(command -v "$cand"); break
    fi
  done
fi

# --- System packages ----------------------------------------------------------
need=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
if command -v dpkg-query >/dev/null 2>&1; then
  [[ -z "$PY" ]] && need+=(python3 python3-venv python3-dev)
  if [[ -n "$PY" && "$PY" == /usr/bin/* ]]; then
    "$PY" -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
    have_deb python3-dev || need+=(python3-dev)
  fi
  command -v gcc >/dev/null 2>&1 || need+=(gcc)
  have_deb libasound2-dev || need+=(libasound2-dev)
  have_deb espeak-ng || need+=(espeak-ng)
  if [[ $dev == 1 ]]; then
    command -v tmux >/dev/null 2>&1 || need+=(tmux)
    command -v git >/dev/null 2>&1 || need+=(git)
    have_deb sox || need+=(sox)
    # Debian's chromium, driven by Playwright (never a browser download); a font to draw with.
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    have_deb fonts-dejavu-core || need+=(fonts-dejavu-core)
  fi
fi
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    say "missing system packages: ${need[*]}"
    say "install them with:  sudo apt-get install ${need[*]}"
    say "(continuing: without libasound2-dev the app runs with the terminal bell instead of sound)"
  fi
fi
if [[ -z "$PY" ]]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY=$(command -v "$cand"); break
    fi
  done
fi
[[ -n "$PY" ]] || { say "speedtimer needs Python 3.11 or newer"; exit 1; }

# --- Virtual environment ------------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $PY"
  "$PY" -m venv .venv
fi
extras="audio"
[[ $dev == 1 ]] && extras="audio,dev"
stamp=".venv/.setup-stamp-$extras"
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  say "installing speedtimer[$extras] into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  if ! .venv/bin/python -m pip install -q -e ".[$extras]"; then
    say "installing with audio failed (simpleaudio needs libasound2-dev and a C compiler);"
    say "installing without it: cues fall back to the terminal bell"
    nodev_extras=""
    [[ $dev == 1 ]] && nodev_extras="[dev]"
    .venv/bin/python -m pip install -q -e ".$nodev_extras"
  fi
  echo "$want" > "$stamp"
fi

# --- Bytecode -------------------------------------------------------------------
# Compiled once here, so no start compiles a module again: with PYTHONDONTWRITEBYTECODE set
# (as on some machines and CI) Python would otherwise compile every module of the first
# screen from source on every start (about 30 ms). Up to date, this costs a few milliseconds.
.venv/bin/python -m compileall -q speedtimer >/dev/null || true
