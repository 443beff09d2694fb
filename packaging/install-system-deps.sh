#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages reviewtool needs that are missing: libvlc 3 and its plugins,
# the libraries Qt needs offscreen and under Xvfb, Xvfb itself, PostgreSQL server binaries (tests),
# poppler-utils (PDF -> PNG for looking at reports) and the DejaVu fonts.  Idempotent: installs nothing
# when everything is present.  Runs as root, or through sudo when available.
set -euo pipefail

PACKAGES=(
  libvlc5 libvlc-bin vlc-plugin-base vlc-plugin-video-output
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libglib2.0-0
  xvfb xauth
  postgresql
  poppler-utils
  fonts-dejavu-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
