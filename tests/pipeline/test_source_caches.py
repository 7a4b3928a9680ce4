"""Notes and git history are read again only when they changed: a note's mtime or size, HEAD's commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipeline.sources.git import GitLogReader, head_commit
from pipeline.sources.notes import NotesReader


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _commit(repo: Path, name: str, subject: str) -> None:
    (repo / name).write_text(subject)
    _git(repo, "add", name)
    _git(repo, "commit", "-qm", subject)


async def test_a_note_is_read_again_when_its_mtime_or_size_changes_and_a_deleted_one_is_gone(tmp_path: Path) -> None:
    reader = NotesReader(str(tmp_path))
    note, other = tmp_path / "launch.md", tmp_path / "other.md"
    note.write_text("# Launch\nWe ship on Monday.")
    other.write_text("An older note.")
    os.utime(other, (1_000_000, 1_000_000))
    assert [s.excerpt for s in await reader.read("", print)] == ["We ship on Monday.", "An older note."]

    stat = note.stat()
    note.write_text("# Launch\nWe ship on Sunday.")  # same size, and the old mtime put back
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (await reader.read("", print))[0].excerpt == "We ship on Monday."  # unchanged as far as we can tell

    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert (await reader.read("", print))[0].excerpt == "We ship on Sunday."
    other.unlink()
    assert [s.title for s in await reader.read("", print)] == ["Launch"]


async def test_git_history_is_read_again_once_head_moves(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    _commit(tmp_path, "a.txt", "First change")
    reader = GitLogReader(str(tmp_path))
    first = await reader.read("", print)
    assert [s.title for s in first] == ["First change"]
    first[0].title = "changed by a caller"
    assert [s.title for s in await reader.read("", print)] == ["First change"]
    _commit(tmp_path, "b.txt", "Second change")
    assert [s.title for s in await reader.read("", print)] == ["Second change", "First change"]


def test_head_is_read_from_loose_and_packed_refs_detached_heads_and_worktrees(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, "a.txt", "One")
    git_dir = repo / ".git"
    assert head_commit(git_dir, git_dir) == _git(repo, "rev-parse", "HEAD")
    _git(repo, "pack-refs", "--all")
    assert head_commit(git_dir, git_dir) == _git(repo, "rev-parse", "HEAD")
    _commit(repo, "b.txt", "Two")  # a loose ref again, newer than the packed one
    assert head_commit(git_dir, git_dir) == _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert head_commit(git_dir, git_dir) == _git(repo, "rev-parse", "HEAD")
    _git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    side_dir = Path(_git(tmp_path / "side", "rev-parse", "--absolute-git-dir"))
    assert head_commit(side_dir, git_dir) == _git(tmp_path / "side", "rev-parse", "HEAD")
