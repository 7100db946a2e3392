"""The systemd unit that scripts/install-service.sh installs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def test_the_service_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is not installed: run scripts/setup.sh --test", pytrace=False)
    script = Path(__file__).parents[1] / "scripts" / "install-service.sh"
    unit = tmp_path / "pausebuddy.service"
    unit.write_text(
        subprocess.run(
            ["bash", str(script), "--print"], capture_output=True, text=True, check=True
        ).stdout,
        encoding="utf-8",
    )
    text = unit.read_text()
    assert "Restart=on-failure" in text and "RestrictAddressFamilies=AF_UNIX" in text
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
