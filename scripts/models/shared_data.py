"""Where the shared read-only data (real CLIP tokenizer, MusicCaps) lives for the model-building scripts."""
from __future__ import annotations

import os


def shared_data_dir(root: str) -> str:
    """CUECAST_SHARED_DATA, else the first of ../shared/data and ../../shared/data (a git worktree) that exists."""
    configured = os.environ.get('CUECAST_SHARED_DATA')
    if configured:
        return configured
    candidates = [os.path.join(root, '..', 'shared', 'data'), os.path.join(root, '..', '..', 'shared', 'data')]
    return next((c for c in candidates if os.path.isdir(c)), candidates[0])
