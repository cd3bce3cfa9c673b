"""Start a real `jupyter lab` for the browser tests, isolated in a temp dir.

Everything LearnFlow or Jupyter writes (config, data, settings, workspaces, runtime, the
LearnFlow SQLite database) lives under one temporary root, removed afterwards. The
labextension is found through JUPYTER_PATH (the built `learnflow_ext/labextension`, linked
as `labextensions/learnflow-jupyterlab`), exactly where the wheel installs it. Port and
token come from LEARNFLOW_E2E_PORT / LEARNFLOW_E2E_TOKEN (playwright.config.ts sets them).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BUILT = REPO / "learnflow_ext" / "labextension"


def main() -> int:
    port = os.environ.get("LEARNFLOW_E2E_PORT", "8899")
    token = os.environ.get("LEARNFLOW_E2E_TOKEN", "learnflow-e2e")
    if not (BUILT / "package.json").exists():
        print(f"{BUILT} is missing: run `jlpm build:prod` in labextension/ first", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="learnflow-e2e-"))
    jpath = root / "jupyter_path"
    (jpath / "labextensions").mkdir(parents=True)
    (jpath / "labextensions" / "learnflow-jupyterlab").symlink_to(BUILT)
    shutil.copytree(REPO / "kernels" / "learnflow-python3", jpath / "kernels" / "learnflow-python3")
    config = root / "config"
    (config / "jupyter_server_config.d").mkdir(parents=True)
    shutil.copy(
        REPO / "jupyter-config" / "server-config" / "learnflow_ext.json",
        config / "jupyter_server_config.d" / "learnflow_ext.json",
    )
    # No news toast over the screenshots.
    news = root / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    notebooks = root / "notebooks"
    shutil.copytree(HERE / "notebooks", notebooks)
    env = dict(os.environ)
    env.update(
        JUPYTER_PATH=str(jpath),
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(root / "data"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
        IPYTHONDIR=str(root / "ipython"),
        LEARNFLOW_DB_URL=f"sqlite:///{root / 'learnflow.sqlite3'}",
        LEARNFLOW_STUDENT_ID="e2e-student",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("ANTHROPIC_API_KEY", None)  # the offline tutors answer in tests
    args = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={notebooks}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.disable_check_xsrf=False",
    ]
    print(json.dumps({"root": str(root), "port": port}), flush=True)
    proc = subprocess.Popen(args, env=env)
    # Playwright stops the web server with SIGTERM: stop Jupyter and clean up on it too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
