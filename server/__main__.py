"""``python -m server [--store DIR|sparql+http://…] [--host H] [--port P] [--base IRI] [--timeout S]``

Exit status: 0 after an interrupt, 2 when the store cannot be opened or a setting is wrong.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.config import load_config
from kg.errors import KGError
from server.serving import serve


def main(argv: list[str] | None = None) -> int:
    defaults = load_config()
    parser = argparse.ArgumentParser(prog="python -m server",
                                     description="Serve a newskg store as a SPARQL endpoint.")
    parser.add_argument("--store", type=Path, default=defaults.store,
                        help="pyoxigraph store directory, or a SPARQL server as sparql+http://HOST:PORT/PATH "
                             f"(default {defaults.store})")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--base", default=None, help="base IRI for relative IRIs in queries")
    parser.add_argument("--timeout", type=float, default=30.0, help="query time limit, seconds")
    args = parser.parse_args(argv)
    try:
        serve(args.store, host=args.host, port=args.port, base=args.base, timeout=args.timeout)
    except KGError as exc:
        print(f"python -m server: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
