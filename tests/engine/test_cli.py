"""`longform-engine` as other tools use it: real processes, the real embedded model, the output contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from engine.cli import build_parser, config_from_args
from engine.config import TempLoraConfig
from tests.conftest import SAMPLE_TEXT


def run_engine(*args: str, home: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "LONGFORM_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture(scope="module")
def short_text(tmp_path_factory) -> Path:
    """About 700 tokens of Persuasion."""
    path = tmp_path_factory.mktemp("texts") / "short.txt"
    path.write_text(SAMPLE_TEXT.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    return path


@pytest.mark.slow
def test_continue_prints_only_the_continuation_and_leaves_no_adapter(short_text, shared_home):
    result = run_engine(
        "continue", str(short_text), "--tokens", "30", "--seed", "5", "--window", "512", home=shared_home
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()  # the continuation
    assert short_text.read_text()[:200] not in result.stdout  # not an echo of the manuscript
    assert "absorbing" in result.stderr and "chunks" in result.stderr  # the progress bar is on stderr
    sessions = shared_home / "cache" / "sessions"
    assert not any(sessions.rglob("*.gguf"))
    assert not any(p.name.startswith("session-") for p in sessions.iterdir()) if sessions.exists() else True


@pytest.mark.slow
def test_continue_with_the_same_seed_repeats_itself(short_text, shared_home):
    args = ("continue", str(short_text), "--tokens", "20", "--seed", "11", "--no-adapter")
    first, second = run_engine(*args, home=shared_home), run_engine(*args, home=shared_home)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


@pytest.mark.slow
def test_eval_json_reports_the_protocol(short_text, shared_home):
    result = run_engine(
        "eval",
        str(short_text),
        "--json",
        "--chunk",
        "256",
        "--opening",
        "256",  # then 128-token chunks up to token 256
        "--window",
        "256",
        "--long-window",
        "512",
        "--long-every",
        "2",
        "--max-tokens",
        "600",
        home=shared_home,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is exactly one JSON object
    assert report["long_window_chunks"] == 2  # chunks 0 and 2
    assert report["per_chunk"][1]["long_window_ppl"] is None
    assert set(report["long_window_comparison"]) == {
        "base_ppl",
        "temp_lora_ppl",
        "long_window_ppl",
        "long_window_temp_lora_ppl",
    }
    assert report["tokens"] == 600
    assert report["chunks"] == 4
    assert report["window"] == 256
    assert [(c["index"], c["start"], c["end"]) for c in report["per_chunk"]] == [
        (0, 0, 128),
        (1, 128, 256),
        (2, 256, 512),
        (3, 512, 600),
    ]
    for key in ("base_ppl", "temp_lora_ppl", "long_window_ppl", "long_window_temp_lora_ppl", "seconds"):
        assert isinstance(report[key], float) and report[key] > 0
    first, last = report["per_chunk"][0], report["per_chunk"][2]  # the last scored at both windows
    assert first["base_ppl"] == first["temp_lora_ppl"]  # chunk 0 is scored before any training
    assert first["long_window_ppl"] == first["long_window_temp_lora_ppl"]
    assert last["temp_lora_ppl"] != last["base_ppl"]
    assert last["long_window_temp_lora_ppl"] != last["long_window_ppl"]
    assert 1 < report["base_ppl"] < 200


@pytest.mark.slow
def test_eval_without_long_window_reports_null(short_text, shared_home):
    result = run_engine(
        "eval", str(short_text), "--json", "--chunk", "256", "--max-tokens", "300", home=shared_home
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["long_window_ppl"] is None and report["long_window_temp_lora_ppl"] is None


@pytest.mark.slow
def test_missing_file_is_one_clear_line(tmp_path):
    result = run_engine("continue", str(tmp_path / "nope.txt"), home=tmp_path)
    assert_one_clear_line(result, "not found", "nope.txt")


@pytest.mark.slow
def test_empty_text_is_one_clear_line(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    assert_one_clear_line(run_engine("eval", str(empty), home=tmp_path), "empty")


@pytest.mark.slow
def test_a_binary_file_is_one_clear_line(tmp_path):
    # A Windows-1252 text is read as the app imports it (tests/engine/test_text_files.py); a binary is not.
    photo = tmp_path / "photo.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff")
    assert_one_clear_line(run_engine("continue", str(photo), home=tmp_path), "binary", "photo.txt")


@pytest.mark.slow
def test_a_model_that_is_not_gguf_is_one_clear_line(tmp_path, short_text):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 this is a zip file")
    assert_one_clear_line(
        run_engine("continue", str(short_text), "--model", str(fake), home=tmp_path), "not a GGUF"
    )


@pytest.mark.slow
def test_a_missing_model_is_one_clear_line(tmp_path, short_text):
    result = run_engine("eval", str(short_text), "--model", str(tmp_path / "gone.gguf"), home=tmp_path)
    assert_one_clear_line(result, "not found")


@pytest.mark.slow
def test_an_unsupported_architecture_is_one_clear_line(tmp_path, short_text):
    import gguf
    import numpy as np

    path = tmp_path / "phi.gguf"
    writer = gguf.GGUFWriter(path, "phi3")
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    result = run_engine("continue", str(short_text), "--model", str(path), home=tmp_path)
    assert_one_clear_line(result, "phi3", "not supported")


@pytest.mark.slow
def test_a_truncated_model_is_one_clear_line(tmp_path, short_text):
    from engine.models import default_model_path

    cut = tmp_path / "cut.gguf"
    with open(default_model_path(), "rb") as f:
        cut.write_bytes(f.read(1_000_000))
    result = run_engine("continue", str(short_text), "--model", str(cut), home=tmp_path)
    assert_one_clear_line(result, "cut.gguf")


@pytest.mark.slow
def test_bad_hyperparameter_is_one_clear_line(tmp_path, short_text):
    result = run_engine("eval", str(short_text), "--rank", "0", home=tmp_path)
    assert_one_clear_line(result, "rank")


@pytest.mark.slow
def test_bad_long_every_is_one_clear_line(tmp_path, short_text):
    result = run_engine("eval", str(short_text), "--long-window", "512", "--long-every", "0", home=tmp_path)
    assert_one_clear_line(result, "--long-every")


# Every `eval` option as it was named before the options were generated from TempLoraConfig's metadata.
EVAL_OPTIONS = [
    (["--window", "512"], "window", 512),
    (["--chunk", "512"], "chunk_tokens", 512),
    (["--context", "128"], "context_tokens", 128),
    (["--epochs", "3"], "epochs", 3),
    (["--opening", "2048"], "opening_tokens", 2048),
    (["--opening-chunk", "64"], "opening_chunk_tokens", 64),
    (["--early-chunks", "2"], "early_chunks", 2),
    (["--early-epochs", "4"], "early_epochs", 4),
    (["--rank", "8"], "rank", 8),
    (["--alpha", "16"], "alpha", 16.0),
    (["--lr", "5e-5"], "lr", 5e-5),
    (["--lr-decay-from", "8192"], "lr_decay_tokens", 8192),
    (["--lr-decay-power", "1"], "lr_decay_power", 1.0),
    (["--lr-b-ratio", "4"], "lr_b_ratio", 4.0),
    (["--dropout", "0.05"], "dropout", 0.05),
    (["--a-init-scale", "1"], "a_init_scale", 1.0),
    (["--beta1", "0.9"], "beta1", 0.9),
    (["--beta2", "0.999"], "beta2", 0.999),
    (["--context-gradients"], "frozen_context", False),
    (["--carry-context"], "carry_context", True),
    (["--context-loss", "0.3"], "context_loss", 0.3),
    (["--replay", "2"], "replay_chunks", 2),
    (["--weight-decay", "0.01"], "weight_decay", 0.01),
    (["--targets", "q_proj,v_proj"], "target_modules", ("q_proj", "v_proj")),
    (["--first-layer", "10"], "first_layer", 10),
    (["--no-bf16"], "bf16", False),
]


@pytest.mark.parametrize(("option", "name", "value"), EVAL_OPTIONS, ids=[o[0][0] for o in EVAL_OPTIONS])
def test_each_eval_option_sets_its_config_field_and_nothing_else(option, name, value):
    config = config_from_args(build_parser().parse_args(["eval", "book.txt", *option]))
    assert getattr(config, name) == value
    assert replace(config, **{name: getattr(TempLoraConfig(), name)}) == TempLoraConfig()


def test_options_not_given_leave_the_measured_defaults():
    parser = build_parser()
    assert config_from_args(parser.parse_args(["eval", "book.txt"])) == TempLoraConfig()
    # `continue --seed` is the sampling seed, not the LoRA initialisation's
    assert config_from_args(parser.parse_args(["continue", "book.txt", "--seed", "7"])) == TempLoraConfig()


def test_the_help_of_an_option_is_its_config_fields_with_the_default(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["eval", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--chunk CHUNK Δ: tokens per training chunk; default 512" in text
    assert "--targets TARGETS module names to adapt (comma-separated on the command line); default " in text
    assert "--no-bf16 turn off: bf16 frozen weights" in text
