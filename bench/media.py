"""What cleaning and fitting an image costs, against Pillow opening and saving the same file.

Inputs are made in memory, sized like real attachments: "screenshots" (PNG, a UI of flat panels
and text-like noise, 1–8 MB) and "photos" (JPEG, 1–8 MB). For each one, in a fresh child process
(so peak memory is that step's alone):

- baseline: `PIL.Image.open` + `load` + `save` in the same format (what any image handling costs);
- clean: `destinations.media.image.load_image` (header check, decode, upright, re-encode, no metadata);
- clean + fit Bluesky: then `fit_image` to 1,000,000 bytes (the tightest limit);
- clean + fit X: then `fit_image` to 5 MB.

Time is the median of `--repeat` runs inside the child; memory is the child's peak RSS above what it
had after imports. Ratios are against the baseline of the same file in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, markdown_table, memory_mb

STEPS = ("baseline", "clean", "clean + fit Bluesky", "clean + fit X")
TARGETS_MB = (1, 2, 4, 8)


def screenshot(target_bytes: int, seed: int) -> bytes:
    """A UI-like PNG: flat panels, then text-like noisy strips until the file is near the target."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    # A laptop's screen up to 4 MB; past that, a 4K monitor's (a 2560×1600 UI tops out near 6 MB).
    width, height = (2560, 1600) if target_bytes <= 4_000_000 else (3840, 2160)
    for strips in range(4, 800, 4):
        img = Image.new("RGB", (width, height), (246, 246, 248))
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x, y = rng.randrange(width - 400), rng.randrange(height - 300)
            draw.rectangle(
                (x, y, x + rng.randrange(200, 400), y + rng.randrange(100, 300)),
                fill=tuple(rng.randrange(256) for _ in range(3)),
            )
        for _ in range(strips):
            x, y = rng.randrange(width - 600), rng.randrange(height - 16)
            noise = Image.frombytes("L", (600, 14), rng.randbytes(600 * 14)).convert("RGB")
            img.paste(noise, (x, y))
        out = io.BytesIO()
        img.save(out, "PNG")
        if out.tell() >= target_bytes:
            return out.getvalue()
    return out.getvalue()


def photo(target_bytes: int, seed: int) -> bytes:
    """A JPEG of smooth gradients plus grain, at the size whose file is near the target."""
    from PIL import Image

    rng = random.Random(seed)
    for side in range(1000, 8000, 250):
        w, h = side * 4 // 3, side
        base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
        grain = Image.frombytes("RGB", (w // 4, h // 4), rng.randbytes((w // 4) * (h // 4) * 3)).resize((w, h))
        img = Image.blend(base, grain, 0.35)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=90)
        if out.tell() >= target_bytes:
            return out.getvalue()
    return out.getvalue()


def child(step: str, path: str, repeat: int) -> None:
    from PIL import Image

    from destinations.media.fit import fit_image
    from destinations.media.image import load_image
    from destinations.media.limits import BLUESKY_MEDIA, X_MEDIA

    raw = Path(path).read_bytes()

    def run() -> int:
        if step == "baseline":
            with Image.open(io.BytesIO(raw)) as img:
                img.load()
                out = io.BytesIO()
                img.save(out, img.format)
                return out.tell()
        image = load_image(raw, alt="bench")
        limits = {"clean + fit Bluesky": BLUESKY_MEDIA, "clean + fit X": X_MEDIA}.get(step)
        if limits is not None:
            image = fit_image(image, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
        return image.size

    before = memory_mb()["VmRSS"]
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"s": statistics.median(times), "mb": memory_mb()["VmHWM"] - before, "out": size}))


def measure(step: str, path: Path, repeat: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.repeat)
        return
    print(f"machine: {machine()}\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, make, ext in (("screenshot", screenshot, "png"), ("photo", photo, "jpg")):
            for mb in TARGETS_MB:
                path = Path(tmp) / f"{kind}-{mb}.{ext}"
                path.write_bytes(make(mb * 1_000_000, seed=mb))
                from PIL import Image

                with Image.open(path) as img:
                    dims = f"{img.width}×{img.height}"
                results = {step: measure(step, path, args.repeat) for step in STEPS}
                base = results["baseline"]
                for step in STEPS[1:]:
                    r = results[step]
                    rows.append(
                        [
                            f"{kind} {path.stat().st_size / 1e6:.1f} MB {dims}",
                            step,
                            f"{base['s'] * 1000:.0f} ms / {base['mb']:.0f} MB",
                            f"{r['s'] * 1000:.0f} ms / {r['mb']:.0f} MB",
                            f"{r['s'] / base['s']:.2f}×",
                            f"{r['mb'] / max(base['mb'], 1):.2f}×",
                            f"{r['out'] / 1e6:.2f} MB",
                        ]
                    )
                print(f"  {path.name} done", file=sys.stderr)
    print(
        markdown_table(
            [
                "input",
                "step",
                "baseline (time / peak RSS)",
                "step (time / peak RSS)",
                "time ratio",
                "memory ratio",
                "output",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
