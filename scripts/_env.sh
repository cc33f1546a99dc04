# Shared by the scripts: make sure uv is there and the project's environment is in sync.
# Works with a stock Debian/Ubuntu python3 (pip refuses to install into it, PEP 668: uv goes
# into .tools/uv instead), a venv or pyenv Python, with HOME set, empty or unset.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
say() { echo "$*" >&2; }

if ! command -v "$PY" >/dev/null 2>&1; then
  say "错误：找不到 $PY。请先安装 Python 3.11 或 3.12（Debian/Ubuntu：apt install python3 python3-pip）。"
  exit 1
fi
# The project's environment is .venv: an activated venv elsewhere is not it (and uv would warn).
unset VIRTUAL_ENV
# No home folder (a service account, a bare container): caches stay inside the project.
if [ -z "${HOME:-}" ]; then
  export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$ROOT/.tools/cache}
  export UV_CACHE_DIR=${UV_CACHE_DIR:-$XDG_CACHE_HOME/uv}
  export UV_PYTHON_INSTALL_DIR=${UV_PYTHON_INSTALL_DIR:-$ROOT/.tools/python}
fi
# uv trusts the system's certificates, as pip does (an office proxy's own CA is installed there).
export UV_SYSTEM_CERTS=${UV_SYSTEM_CERTS:-1}
# Every uv command below installs exactly what uv.lock says.
export UV_FROZEN=1
# Compiled once at install: every process (each Airflow task, each worker) imports Airflow, GX and
# pandas in half the time, also where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
export UV_COMPILE_BYTECODE=1

if "$PY" -m uv --version >/dev/null 2>&1; then
  UV=("$PY" -m uv)
elif [ -x "$ROOT/.tools/uv/bin/uv" ]; then
  UV=("$ROOT/.tools/uv/bin/uv")
elif command -v uv >/dev/null 2>&1; then
  UV=("$(command -v uv)")
else
  if ! "$PY" -m pip --version >/dev/null 2>&1; then
    say "错误：$PY 没有 pip，无法安装 uv。请安装 pip（Debian/Ubuntu：apt install python3-pip）或自行安装 uv。"
    exit 1
  fi
  say "正在安装 uv（Python 包管理器）到 .tools/uv …"
  PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install --quiet --no-cache-dir --disable-pip-version-check --target "$ROOT/.tools/uv" uv
  UV=("$ROOT/.tools/uv/bin/uv")
fi

# The first environment is built with this Python when it fits requires-python (3.11 or 3.12).
if [ ! -d .venv ] && "$PY" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 13))' 2>/dev/null; then
  export UV_PYTHON=${UV_PYTHON:-$("$PY" -c 'import sys; print(sys.executable)')}
fi
if [ ! -d .venv ]; then
  say "正在建立 Python 环境 .venv（首次需下载约 160 个依赖包、约 600 MB，视网络约需 1–5 分钟）…"
fi
"${UV[@]}" sync --quiet
