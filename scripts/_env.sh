# Shared by the scripts: make sure uv is there and the project's environment is in sync.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if ! "$PY" -m uv --version >/dev/null 2>&1; then
  echo "安装 uv（Python 包管理器）…" >&2
  "$PY" -m pip install --quiet uv
fi
UV=("$PY" -m uv)
"${UV[@]}" sync --frozen --quiet
