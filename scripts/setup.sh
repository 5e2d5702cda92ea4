#!/usr/bin/env bash
# Prepare this checkout to run odr: system libraries, a virtualenv with the
# project installed, compiled translations.
#
#   bash scripts/setup.sh                 # what the demo needs
#   bash scripts/setup.sh --with-browser  # also Chromium, for the browser tests
#
# Both scripts/demo.sh and scripts/test.sh call this first, so it must be
# idempotent and cheap when there is nothing to do: a second run checks the
# installed Debian packages with dpkg (no apt-get at all) and skips pip when
# the virtualenv was installed after the last change to pyproject.toml.
set -euo pipefail

WITH_BROWSER=0
for arg in "$@"; do
    case "$arg" in
        --with-browser) WITH_BROWSER=1 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup.sh: unknown option: $arg" >&2; exit 2 ;;
    esac
done

# Work from the repository root whatever the caller's directory is, so the
# virtualenv always ends up in <repo>/.venv.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)
START=$SECONDS

# The interpreter that creates the virtualenv. Overridable for machines where
# `python3` is too old (the project needs 3.11 or newer).
PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.odr-installed

log() { printf '==> %s\n' "$*"; }

# ---------------------------------------------------------------------------
# 1. System packages
# ---------------------------------------------------------------------------
# WeasyPrint needs Pango (and HarfBuzz subsetting, or CJK PDFs take seconds);
# settlement documents are bilingual, so a CJK font must exist or Chinese text
# renders as boxes; poppler-utils lets tests and people check PDFs.
PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils)

# Debian's python3 lacks ensurepip until python3-venv is installed, and then
# `python3 -m venv` fails. Only matters when we still have to create .venv.
if [[ ! -x $VENV/bin/python ]] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    PACKAGES+=(python3-venv)
fi

# Playwright cannot download its own browser here; the browser tests use
# Debian's Chromium (/usr/bin/chromium). ~480 MB, so only when asked for.
if [[ $WITH_BROWSER == 1 ]]; then
    PACKAGES+=(chromium)
fi

is_installed() {
    # `dpkg -s` also succeeds for removed-but-not-purged packages, so look at
    # the Status line rather than the exit code alone.
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    log "not a Debian-like system: install these yourself if missing: ${PACKAGES[*]}"
else
    MISSING=()
    for pkg in "${PACKAGES[@]}"; do
        is_installed "$pkg" || MISSING+=("$pkg")
    done
    if (( ${#MISSING[@]} )); then
        SUDO=()
        if [[ $(id -u) != 0 ]]; then
            command -v sudo >/dev/null 2>&1 || {
                echo "setup.sh: need root (or sudo) to install: ${MISSING[*]}" >&2
                exit 1
            }
            SUDO=(sudo)
        fi
        log "installing system packages: ${MISSING[*]}"
        # Update the package lists only now that we know we need them: a
        # fresh machine may have none, and an update costs several seconds.
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 "${MISSING[@]}"
    else
        log "system packages present"
    fi
fi

# PostgreSQL and Redis are deliberately not installed here: the embedded
# default needs neither, and the tests that do skip without them. Just say so.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" >/dev/null 2>&1; }
if ! port_open 5432 || ! port_open 6379; then
    log "hint: PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) is not reachable;"
    log "      the tests that need them will be skipped. On Debian:"
    log "      apt-get install -y postgresql redis-server && pg_ctlcluster 15 main start"
    log "      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
fi

# ---------------------------------------------------------------------------
# 2. Virtualenv with the project and its prod + test extras
# ---------------------------------------------------------------------------
if [[ ! -x $VENV/bin/python ]]; then
    log "creating virtualenv $VENV"
    rm -rf "$VENV"   # a half-created one (e.g. ensurepip missing) would confuse pip
    "$PYTHON" -m venv "$VENV"
fi

# The stamp records a successful install; pyproject.toml is where every
# dependency is declared, so a newer pyproject means "install again". An
# editable install picks up code changes by itself.
if [[ -f $STAMP && $STAMP -nt pyproject.toml ]]; then
    log "python packages up to date (delete $STAMP to force a reinstall)"
else
    log "installing odr and its dependencies into $VENV (first time: a minute or two)"
    rm -f "$STAMP"   # so an interrupted install is retried next time
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[prod,test]'
    touch "$STAMP"
fi

# ---------------------------------------------------------------------------
# 3. Translations
# ---------------------------------------------------------------------------
# .mo files are build products (ignored by git); compile them every time, it
# takes well under a second and never leaves stale translations behind.
if [[ -d odr/translations ]] && compgen -G 'odr/translations/*/LC_MESSAGES/*.po' >/dev/null; then
    log "compiling translations"
    # -q is an option of pybabel itself, not of its compile command.
    "$VENV/bin/pybabel" -q compile -d odr/translations -f
fi

log "setup done in $((SECONDS - START)) s ($REPO_ROOT)"
