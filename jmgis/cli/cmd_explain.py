"""``jmgis explain ID``: the plan lines behind a catalog row."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis explain`` to the command parser."""
    p = subparsers.add_parser(
        "explain",
        help="print what the plans say about a catalog id, with the cited lines",
        description="Print a catalog row (park, structure, scheme, scheme member "
        "'scheme_id:code', project or indicator) and each plan line it cites, with context.",
    )
    p.add_argument("id", help="catalog id, e.g. jiangmen_hitech_zone or a scheme member")
    p.add_argument("--context", type=int, default=1, metavar="N", help="lines around (1)")
    p.set_defaults(func=lambda args: show(args.id, span=args.context))


def show(rid: str, *, span: int = 1) -> int:
    """Print where a catalog record comes from in the plan documents.

    Parameters
    ----------
    rid : str
        The record id.
    span : int
        Lines of context around each cited line.

    Returns
    -------
    int
        The exit status (0).
    """
    from jmgis.catalog import explain

    print(explain(rid, span=span))
    return 0
