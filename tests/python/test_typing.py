"""The stubs type-check user code (``mypy --strict``); ``mypy.stubtest`` is
run by scripts/test-python.sh."""

from __future__ import annotations

import os
import subprocess
import sys


def test_user_code_type_checks() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--ignore-missing-imports",
            os.path.join(here, "typing_sample.py"),
        ],
        capture_output=True,
        text=True,
        cwd=here,
    )
    assert result.returncode == 0, result.stdout + result.stderr
