#!/usr/bin/env bash
# Install the Debian packages the project's tests need, only those missing.
# Usage: bash scripts/system_deps.sh [PACKAGE...]   (no arguments: the default list below)
set -euo pipefail

# fonts-ocr-b: the passport font the MRZ OCR tests print with.
# libgl1, libglib2.0-0: cv2 from opencv-python (pulled in by rapidocr-onnxruntime) loads them at import.
# fonts-noto-core, fonts-noto-cjk: every script the PDF documents print (carebridge/documents, STACK.md).
# libharfbuzz-subset0: WeasyPrint subsets fonts with it (fontTools instead takes about 10 s per CJK PDF).
# poppler-utils: pdftotext and pdffonts, which the document tests read PDFs with.
DEFAULT_PACKAGES=(fonts-ocr-b libgl1 libglib2.0-0 libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 poppler-utils)

if [ "$#" -gt 0 ]; then
  packages=("$@")
else
  packages=("${DEFAULT_PACKAGES[@]}")
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "system_deps.sh: missing ${missing[*]} and not root; install them as root" >&2
  exit 1
fi

echo "system_deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
