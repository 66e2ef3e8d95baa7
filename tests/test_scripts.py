"""The scripts under scripts/ as a developer runs them: every one answers --help at once, the cheap ones do
a tiny real run, and the ones that need the model do one on a few hundred tokens (slow)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "scripts").iterdir() if p.suffix in (".py", ".sh"))


def run(script: str, *args: str, timeout: int = 60, **env: str) -> subprocess.CompletedProcess:
    path = ROOT / "scripts" / script
    command = ["bash", str(path)] if path.suffix == ".sh" else [sys.executable, str(path)]
    return subprocess.run(
        [*command, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("script", [p.name for p in SCRIPTS])
def test_every_script_answers_help(script):
    result = run(script, "--help", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and "Traceback" not in result.stderr


def eval_report(tmp_path: Path) -> Path:
    """A small `eval --json` report: 8 chunks of 512 tokens, every other one scored at the long window."""
    chunks = []
    for i in range(8):
        long = i % 2 == 0
        chunks.append(
            {
                "index": i,
                "start": 512 * i,
                "end": 512 * (i + 1),
                "tokens": 512,
                "base_ppl": 20.0,
                "temp_lora_ppl": 20.0 - i,
                "long_window_ppl": 18.0 if long else None,
                "long_window_temp_lora_ppl": 17.0 - i if long else None,
            }
        )
    base = math.exp(sum(math.log(c["base_ppl"]) for c in chunks) / 8)
    temp = math.exp(sum(math.log(c["temp_lora_ppl"]) for c in chunks) / 8)
    report = {
        "tokens": 4096,
        "chunks": 8,
        "window": 256,
        "long_window": 1024,
        "base_ppl": base,
        "temp_lora_ppl": temp,
        "ratio": temp / base,
        "seconds": 12.0,
        "long_window_comparison": {
            "base_ppl": 20.0,
            "temp_lora_ppl": 16.0,
            "long_window_ppl": 18.0,
            "long_window_temp_lora_ppl": 14.0,
        },
        "per_chunk": chunks,
    }
    path = tmp_path / "emma-16k.json"
    path.write_text(json.dumps(report))
    return path


def test_summarize_eval_prints_the_overall_and_the_position_tables(tmp_path):
    result = run("summarize_eval.py", str(eval_report(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "| emma-16k | 4096 | 8 | 20.00 |" in result.stdout
    assert "| 0k–4k | 4096 |" in result.stdout  # all 8 chunks lie in the first bucket
    assert "the 4 chunks also scored at window 1024" in result.stdout


@pytest.mark.parametrize("windows", [False, True])
def test_plot_eval_draws_a_png(tmp_path, windows):
    out = tmp_path / "plot.png"
    result = run("plot_eval.py", str(eval_report(tmp_path)), "-o", str(out), *(["--windows"] * windows))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_bench_cuda_says_when_there_is_no_gpu():
    result = run("bench_cuda.py", "--layers", "1", "--steps", "1", CUDA_VISIBLE_DEVICES="")
    assert result.returncode == 2
    assert result.stderr.strip() == "no CUDA GPU"


@pytest.mark.slow
def test_adapter_scale_scores_a_short_opening(home_with_model_cache):
    """It once passed Δ where split_chunks takes the config, and failed at its first chunk."""
    changes = json.dumps({"chunk_tokens": 256, "opening_tokens": 0, "window": 256})
    result = run("adapter_scale.py", "persuasion", "600", changes, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["0", "1", "2"]  # 600 tokens: chunks of 256
    assert lines[-1].startswith("Temp-LoRA/base by factor:")


@pytest.mark.slow
def test_profile_step_profiles_a_small_step(home_with_model_cache):
    result = run("profile_step.py", "64", "32", "5", timeout=600)
    assert result.returncode == 0, result.stderr
    assert "one step, 32 + 64 tokens" in result.stdout
    assert "Self CPU" in result.stdout  # the profiler's table


def test_eta_steadiness_replays_a_recording_before_and_now():
    recording = "tests/data/absorption_persuasion_180s.json"  # scripts/eta_steadiness.py record, 3 minutes
    result = run("eta_steadiness.py", "replay", recording, "--windows", "60")
    assert result.returncode == 0, result.stderr
    shares = [
        float(line.split("largest share ")[1].split("%")[0])
        for line in result.stdout.splitlines()
        if "largest share" in line
    ]
    assert len(shares) == 3 and shares[1] < shares[0]  # before, now, paced by 60 s
    assert "   180s  " in result.stdout  # a reading every 15 s to the end of the recording


def test_edits_offline_reads_settings_as_their_fields_types():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from edits_offline import settings
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert settings(["carry_context=1", "frozen_context=false", "lr=0.002", "chunk_tokens=128"]) == {
        "carry_context": True,
        "frozen_context": False,
        "lr": 0.002,
        "chunk_tokens": 128,
    }
