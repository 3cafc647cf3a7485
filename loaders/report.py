"""What a load did, per file: the numbers the summary table prints and the CLI's exit code depends on.

Also where a load's issue files go when the caller names none: beside the source (:func:`issue_files`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph_service.domain.model import UpsertCounts


@dataclass
class FileReport:
    """Counts for one source file.

    ``read`` counts records (not physical lines). Every read record ends up in exactly one of
    ``loaded`` (created + updated + unchanged, or ``valid`` in a dry run), ``rejected`` or ``skipped``
    (an identical repeat of an earlier row of the same file).
    """

    file: str
    kind: str
    encoding: str = ""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    valid: int = 0  # dry run: rows that would be written
    rejected: int = 0
    skipped: int = 0
    warnings: int = 0
    subjects_created: int = 0  # subjects a row implied and this load created (not the file's own rows)
    unresolved_persons: int = 0  # of those, unresolved persons (name only, scoped to an organisation)
    resolved_persons: int = 0  # unresolved persons merged into a person with a full ID number
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def add(self, counts: UpsertCounts) -> None:
        self.created += counts.created
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged + self.valid

    @property
    def records_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0


@dataclass
class LoadReport:
    """A whole load: the per-file reports in load order, and the file that failed it, if any."""

    format: str
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    failure: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # files ignored and similar remarks
    links: UpsertCounts = field(default_factory=UpsertCounts)  # personal credit-record links recomputed

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def records_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0


REJECTS_SUFFIX = ".rejects.csv"
WARNINGS_SUFFIX = ".rejects.warnings.csv"
# The --rejects option's help, in every command that loads: it describes issue_files().
REJECTS_HELP = (
    "CSV of rejected rows (file, line, column, value, reason); warnings go to <rejects>.warnings.csv. "
    "Default: beside the source, named after it (DIR.rejects.csv, or NAME.rejects.csv for NAME.csv)."
)


def issue_files(source: Path, rejects: Path | None = None) -> tuple[Path, Path]:
    """The rejects and warnings files of a load of ``source``: ``(rejects, warnings)``.

    Without ``rejects``, both sit beside the source, named after it: ``reg/`` or ``court.csv`` gives
    ``reg.rejects.csv`` or ``court.rejects.csv``, and ``<name>.rejects.warnings.csv``. The warnings
    file is always named after the rejects file (``out.csv`` gives ``out.warnings.csv``).
    """
    if rejects is None:
        named = source if source.name else source.resolve()
        stem = named.stem if named.is_file() else named.name
        rejects = named.with_name(stem + REJECTS_SUFFIX)
    return rejects, rejects.with_name(f"{rejects.stem}.warnings{rejects.suffix or '.csv'}")


def is_issue_file(path: Path) -> bool:
    """Whether ``path`` is named like the issue files a load writes by default (never source data)."""
    return path.name.endswith((REJECTS_SUFFIX, WARNINGS_SUFFIX))
