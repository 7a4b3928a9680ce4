from __future__ import annotations

import sys
from pathlib import Path

# The fakes are imported as tests.destinations.fakes, which end-to-end tests reuse too.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
