"""The README's pictures (docs/*.png) are what the code draws now.

`python docs/pictures.py FOLDER` (the command that made them) draws them afresh from the bundled
snapshot on its fixed clock; each must match the committed one pixel for pixel. Exactly, with no
tolerance: the drawing is deterministic for the same matplotlib, Pillow and DejaVu fonts (the
script uses the fonts matplotlib ships), and the smallest real change, one digit in a label, moves
only a few hundred of a chart's 1.6 million pixels, fewer than a change of rasteriser would: a
tolerance wide enough for another FreeType would hide a changed figure. After an upgrade of those
libraries, as after a change of an answer, the fix is the same: run the script and commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REGENERATE = "run `python docs/pictures.py` and commit docs/*.png"


def _differs(committed: Path, fresh: Path) -> str:
    """'' when the two PNGs decode to the same pixels, else how they differ."""
    if committed.read_bytes() == fresh.read_bytes():
        return ""
    old, new = (np.asarray(Image.open(p).convert("RGBA")) for p in (committed, fresh))
    if old.shape != new.shape:
        return f"{old.shape[1]}x{old.shape[0]} px committed, {new.shape[1]}x{new.shape[0]} px drawn now"
    changed = np.any(old != new, axis=2)
    if not changed.any():
        return ""  # the same pixels, encoded differently
    rows, columns = np.nonzero(changed)
    return (
        f"{int(changed.sum()):,} of {changed.size:,} pixels differ, within "
        f"x {columns.min()}-{columns.max()}, y {rows.min()}-{rows.max()}"
    )


def test_the_readme_pictures_are_what_the_code_draws_now(tmp_path):
    result = subprocess.run(
        [sys.executable, str(DOCS / "pictures.py"), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    drawn = sorted(p.name for p in tmp_path.glob("*.png"))
    assert drawn, "docs/pictures.py drew nothing"
    for name in drawn:
        assert f"{tmp_path / name}" in result.stdout, f"docs/pictures.py does not say it wrote {name}"
    stale = [f"{name}: not in docs/" for name in drawn if not (DOCS / name).exists()]
    stale += [
        f"{name}: {how}" for name in drawn if (DOCS / name).exists() and (how := _differs(DOCS / name, tmp_path / name))
    ]
    assert not stale, f"The README's pictures are not what the code draws now ({REGENERATE}):\n" + "\n".join(stale)
    strays = sorted({p.name for p in DOCS.glob("*.png")} - set(drawn))
    assert not strays, f"docs/ holds pictures docs/pictures.py does not draw: {strays} (draw them or remove them)"
