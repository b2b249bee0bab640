"""The ``kg`` command: build, validate, query, export and serve the news knowledge graph.

Exit codes: 0 success (build: every input ingested; validate: conforms),
1 some inputs rejected (build) or violations found (validate), 2 error.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kg.config import Config, load_config
from kg.errors import KGError
from kg.store import EXPORT_FORMATS, KGStore

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2

_store_option = click.option("--store", type=click.Path(path_type=Path), default=None,
                              help="store directory (default var/store or $NEWSKG_STORE)")
_base_option = click.option("--base", default=None, help="base IRI of instances")


def _config(store: Path | None, base: str | None = None, **extra: object) -> Config:
    return load_config(store=store, base=base, **extra)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="log progress and details")
def cli(verbose: bool) -> None:
    """Build a knowledge graph of actors, claims and recognitions from news articles."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@_store_option
@_base_option
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1,
              help="worker processes for extraction")
@click.option("--no-validate", is_flag=True, help="skip the shapes check of each article")
@click.option("--full-shacl", is_flag=True,
              help="check each article with pyshacl (slow) instead of the compiled quick check")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              help="where extraction runs: local worker processes or a Dask cluster")
@click.option("--scheduler", default=None,
              help="Dask scheduler address (tcp://HOST:PORT) for --engine dask")
@click.option("--shards", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="--engine dask: folder the workers write N-Quads shards to, for the store "
                   "to bulk-load; on a cluster one every worker and this machine share "
                   "(default: STORE.shards, removed after the build)")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="write the build report (JSON) here")
@click.option("--quiet", "-q", is_flag=True, help="no progress lines")
def build(sources: tuple[str, ...], store: Path | None, base: str | None, jobs: int,
          no_validate: bool, full_shacl: bool, engine: str, scheduler: str | None,
          shards: Path | None, report_path: Path | None, quiet: bool) -> None:
    """Read SOURCES (files, folders, JSONL; - for stdin) into the store."""
    from kg.pipeline import build as run_build

    if engine == "dask" and not scheduler:
        raise _fail(KGError("--engine dask needs --scheduler ADDRESS (tcp://HOST:PORT)"))
    config = _config(store, base, jobs=jobs, validate=not no_validate, full_shacl=full_shacl,
                     engine=engine, scheduler=scheduler, shards=shards)
    progress = None if quiet else (lambda line: click.echo(line, err=True))
    try:
        report = run_build(sources, config, progress=progress)
    except KGError as exc:
        raise _fail(exc) from exc
    for rejected in report.rejected:
        click.echo(f"rejected {rejected['source']}: {rejected['reason']}", err=True)
    for duplicate in report.duplicates:
        click.echo(f"duplicate {duplicate['source']}: same text as {duplicate['same_as']}",
                   err=True)
    if report_path is not None:
        report_path.write_text(report.to_json() + "\n", encoding="utf-8")
    click.echo(f"built {config.store}: {report.summary()}")
    sys.exit(report.exit_code)


@cli.command()
@_store_option
@click.option("--graph-file", type=click.Path(exists=True, path_type=Path), default=None,
              help="validate an RDF file instead of the store")
def validate(store: Path | None, graph_file: Path | None) -> None:
    """Check the graph against the SHACL shapes; exit 0 conforms, 1 violations, 2 error."""
    from rdflib import Dataset

    from kg.validate import format_report
    from kg.validate import validate as run_validate

    try:
        if graph_file is not None:
            data = Dataset(default_union=True)
            data.parse(graph_file)
        else:
            with _open(store, read_only=True) as target:
                data = target.to_dataset()
        result = run_validate(data)
    except KGError as exc:
        raise _fail(exc) from exc
    except Exception as exc:  # a parser error in --graph-file
        raise _fail(KGError(f"cannot read {graph_file}: {exc}")) from exc
    click.echo(format_report(result))
    sys.exit(EXIT_OK if result.conforms else EXIT_INVALID)


@cli.command()
@click.argument("sparql")
@_store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]),
              default="table", help="SELECT/ASK output format")
def query(sparql: str, store: Path | None, fmt: str) -> None:
    """Run a SPARQL query (the default graph is the union of all graphs)."""

    from kg.errors import QueryError

    with _open(store, read_only=True) as target:
        try:
            if sparql.startswith("@"):
                sparql = Path(sparql[1:]).read_text(encoding="utf-8")
            _print_result(target.query(sparql), fmt)
        except (QueryError, OSError) as exc:
            raise _fail(KGError(str(exc))) from exc


def _print_result(result, fmt: str) -> None:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
    elif isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            _print_table(result)
        else:
            formats = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                       "tsv": ox.QueryResultsFormat.TSV}
            click.echo(result.serialize(format=formats[fmt]).decode("utf-8"), nl=False)
    else:
        click.echo(ox.serialize(result, format=ox.RdfFormat.TURTLE).decode("utf-8"), nl=False)


def _print_table(solutions) -> None:
    names = [v.value for v in solutions.variables]
    click.echo("\t".join(names))
    for solution in solutions:
        click.echo("\t".join("" if solution[n] is None else solution[n].value for n in names))


@cli.command()
@_store_option
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="trig",
              help="RDF serialisation (triple formats get the union of all graphs)")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="file to write (default: standard output)")
def export(store: Path | None, fmt: str, output: Path | None) -> None:
    """Write the whole graph as TriG, N-Quads, Turtle, N-Triples, JSON-LD or RDF/XML."""
    with _open(store, read_only=True) as target:
        try:
            target.export(fmt, sys.stdout.buffer if output is None else output)
        except (KGError, OSError) as exc:
            raise _fail(KGError(str(exc))) from exc


@cli.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_store_option
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="loaders side by side (default: one per core)")
@click.option("--lenient", is_flag=True,
              help="skip the validation of IRIs and literals (faster): only for files "
                   "newskg wrote (kg export, shards)")
def load(files: tuple[Path, ...], store: Path | None, threads: int | None,
         lenient: bool) -> None:
    """Bulk-load N-Quads FILES (a `kg export --format nq`, or shards) into the store.

    Fast and not transactional: meant for a fresh store or a restore. The graphs
    keep their names; the cross-source state is not updated (run `kg crosssource`).
    """
    import time

    started = time.perf_counter()
    with _open(store, read_only=False) as target:
        try:
            count = target.bulk_load(files, threads=threads, lenient=lenient)
        except KGError as exc:
            raise _fail(exc) from exc
        total = len(target)
    click.echo(f"loaded {count:,} quads from {len(files)} file(s) in "
               f"{time.perf_counter() - started:.1f} s; the store holds {total:,}", err=True)


@cli.command()
@_store_option
@_base_option
@click.option("--host", default="127.0.0.1", help="interface to listen on")
@click.option("--port", type=int, default=8000, help="port (0 picks a free one)")
@click.option("--timeout", type=float, default=30.0, help="query timeout in seconds")
def serve(store: Path | None, base: str | None, host: str, port: int, timeout: float) -> None:
    """Serve the SPARQL 1.1 endpoint over the store (a directory, or sparql+http://…)."""
    from kg.backends import is_remote
    from server import serve as run_server

    config = _config(store, base)
    if not is_remote(config.store) and not config.store.exists():
        raise _fail(KGError(f"no store at {config.store}; run `kg build SOURCES` first"))
    try:
        run_server(config.store, host=host, port=port, base=config.base, timeout=timeout)
    except KGError as exc:   # the store cannot be opened (a SPARQL server not answering)
        raise _fail(exc) from exc


def _open(store: Path | None, read_only: bool) -> KGStore:
    config = _config(store)
    from kg.backends import is_remote, open_store

    if read_only and not is_remote(config.store) and not config.store.exists():
        raise _fail(KGError(f"no store at {config.store}; run `kg build SOURCES` first"))
    try:
        return open_store(config.store, read_only=read_only)
    except KGError as exc:
        raise _fail(exc) from exc


def _fail(exc: KGError) -> click.exceptions.Exit:
    click.echo(f"kg: error: {exc}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


def _add_commands() -> None:
    from kg.crosssource.cli import crosssource_command

    cli.add_command(crosssource_command)   # kg crosssource: re-run the cross-article analysis


_add_commands()


def main() -> None:
    """Run the CLI; an unexpected fault is exit 2 with one line (1 means "some rejected")."""
    try:
        cli(prog_name="kg", standalone_mode=True)
    except Exception as exc:  # a bug or an environment fault, never a rejection
        logging.getLogger("kg").debug("unexpected error", exc_info=True)
        click.echo(f"kg: error: unexpected {type(exc).__name__}: {exc} (run with -v for "
                   "details)", err=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
