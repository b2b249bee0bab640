"""``kg crosssource``: bring the cross-article graph of a store up to date.

Registered on the ``kg`` group by ``cli.add_command(crosssource_command)`` in kg/cli.py.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from kg.config import load_config
from kg.errors import KGError


@click.command("crosssource")
@click.option("--store", type=click.Path(path_type=Path), default=None,
              help="store directory (default var/store or $NEWSKG_STORE)")
@click.option("--base", default=None, help="base IRI of instances")
@click.option("--full", is_flag=True,
              help="ignore the saved state and analyse every article again")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1,
              help="worker processes for the lineage verification (as kg build --jobs)")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="write the analysis report (JSON) here")
def crosssource_command(store: Path | None, base: str | None, full: bool, jobs: int,
                        report_path: Path | None) -> None:
    """Find statements, distortions, contradictions and lineage across articles.

    Only articles added since the last run are compared (MinHash LSH candidates, claims of
    the same claimants); the state lives next to the store in <store>.crosssource.pickle.
    """
    from kg.crosssource import analyse
    from kg.store import KGStore

    config = load_config(store=store, base=base, jobs=jobs)
    if not config.store.exists():
        click.echo(f"kg: error: no store at {config.store}; run `kg build SOURCES` first",
                   err=True)
        sys.exit(2)
    try:
        report = analyse(KGStore(config.store), config, full=full)
    except KGError as exc:
        click.echo(f"kg: error: {exc}", err=True)
        sys.exit(2)
    if report_path is not None:
        report_path.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    click.echo(f"crosssource {config.store}: {report.summary()}")


__all__ = ["crosssource_command"]
