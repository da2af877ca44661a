"""The FinOps Foundation's `focus-validator` 2.2.1 (rule model 1.2.0.1), in a venv of its own.

It declares Python >= 3.12 for one f-string, pins numpy<2 and leaves pyarrow unpinned, reads
a file by a path relative to its site-packages, and exits 0 even when rules fail (see
shared/reference/provider-billing-formats.md §6.3). So, for tests only:

- `python tests/focus_validator.py VENV` (`make focus-validator`) makes VENV with it and
  `pyarrow<22`, installed with `--ignore-requires-python`, and rewrites that one expression
  (the `ignore_keys` join in `config_objects/focus_to_duckdb_converter.py`) so it runs on 3.11;
- `validate(path)` runs it from its site-packages directory and parses the
  `Total: … | Pass: … | Fail: … | Skipped: …` line and the failed rule ids.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-focus"
VERSION = "2.2.1"
RULES = "1.2.0.1"
# What a token-priced API provider claims: usage, unit prices from a public list, sub
# accounts (teams), tags and account names.
CRITERIA = ("USAGE_MEASUREMENT_SUPPORTED", "UNIT_PRICING_SUPPORTED", "PUBLIC_PRICE_LIST_SUPPORTED",
            "SUB_ACCOUNT_SUPPORTED", "TAGGING_SUPPORTED", "ACCOUNT_NAMING_SUPPORTED")
# Both evaluated unconditionally, so one of them always fails (§6.3, gotcha 5).
CONTRADICTION = {"InvoiceId-C-004-C", "InvoiceId-C-005-C"}
_PY311 = '''+ ", ".join("'" + k.replace('"', '""') + "'" for k in ignore_keys)'''
_PY312 = '''+ ", ".join(f"'{k.replace('\\"', '\\"\\"')}'" for k in ignore_keys)'''


@dataclass
class Validation:
    total: int
    passed: int
    failed: int
    skipped: int
    failures: list[str] = field(default_factory=list)  # rule ids
    text: str = ""

    @property
    def real_failures(self) -> list[str]:
        """The failed rules but the InvoiceId contradiction."""
        return [rule for rule in self.failures if rule not in CONTRADICTION]


def site_packages(venv: Path = VENV) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def install(venv: Path = VENV) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--ignore-requires-python", f"focus-validator=={VERSION}", "pyarrow<22"], check=True)
    converter = site_packages(venv) / "focus_validator" / "config_objects" / "focus_to_duckdb_converter.py"
    text = converter.read_text()
    if _PY312 in text:
        converter.write_text(text.replace(_PY312, _PY311))
    assert _PY311 in converter.read_text(), f"{converter}: the Python 3.12 expression was not where expected"


def validator(venv: Path = VENV) -> Path:
    binary = venv / "bin" / "focus-validator"
    if not binary.exists():
        raise AssertionError(f"no focus-validator at {binary}: run `make focus-validator` (CI's make test-all does)")
    return binary


def validate(path: Path, *, criteria: tuple[str, ...] = CRITERIA, venv: Path = VENV) -> Validation:
    """Validate a FOCUS 1.2 CSV or Parquet file (an absolute path) against rule model 1.2.0.1."""
    run = subprocess.run(
        [str(validator(venv)), "--data-file", str(Path(path).resolve()), "--validate-version", RULES, "--block-download",
         "--applicability-criteria", ",".join(criteria), "--output-type", "console", "--show-violations"],
        cwd=site_packages(venv), capture_output=True, text=True, timeout=300,
    )
    text = run.stdout + run.stderr
    summary = re.search(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+) \| Skipped: (\d+)", text)
    assert summary, f"focus-validator printed no summary (exit {run.returncode}):\n{text[-3000:]}"
    failures = sorted(set(re.findall(r"❌ (\S+): FAIL", text)))
    return Validation(*map(int, summary.groups()), failures=failures, text=text)


if __name__ == "__main__":
    install(Path(sys.argv[1]) if len(sys.argv) > 1 else VENV)
