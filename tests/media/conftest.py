"""Fixtures for the media tests: synthetic clips made once per session, and a libvlc capture helper.

Clips are cached by their arguments, so the several tests that need "a 3 s 320x180 clip" share one
encode; every test that changes a file copies it first.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewtool.media.synth import ClipTruth, make_clip

MakeClip = Callable[..., tuple[Path, ClipTruth]]


@pytest.fixture(scope="session")
def synth_clip(tmp_path_factory: pytest.TempPathFactory) -> MakeClip:
    """`synth_clip(**make_clip_args) -> (path, truth)`, made once per distinct set of arguments."""
    folder = tmp_path_factory.mktemp("clips")
    made: dict[tuple, tuple[Path, ClipTruth]] = {}

    def make(**kwargs) -> tuple[Path, ClipTruth]:
        kwargs.setdefault("duration_s", 2.0)
        kwargs.setdefault("width", 320)
        kwargs.setdefault("height", 180)
        key = tuple(sorted(kwargs.items()))
        if key not in made:
            path = folder / f"clip{len(made)}.mp4"
            made[key] = (path, make_clip(path, **kwargs))
        return made[key]

    return make


@pytest.fixture
def clip_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """A private copy of a cached clip, for tests that damage or change the file."""

    def copy(path: Path) -> Path:
        target = tmp_path / f"copy-{path.name}"
        shutil.copyfile(path, target)
        return target

    return copy


@pytest.fixture(scope="session")
def vlc_capture():
    """`support.measure_tolerance.capture_vlc`, or a skip when libvlc cannot be loaded here."""
    try:
        import vlc

        instance = vlc.Instance(["--quiet"])
        if instance is None:
            raise OSError("libvlc could not create an instance")
        instance.release()
    except (ImportError, OSError, NameError, AttributeError) as exc:
        pytest.skip(f"libvlc not usable: {exc}")
    script = Path(__file__).resolve().parents[1] / "support" / "measure_tolerance.py"
    spec = importlib.util.spec_from_file_location("measure_tolerance", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module.capture_vlc
