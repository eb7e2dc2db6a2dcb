"""``jmgis catalog``: validate, list, show and source-check the plan catalog."""

from __future__ import annotations

import argparse
import sys

KINDS = ("park", "structure", "project", "indicator", "scheme", "facility")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``jmgis catalog`` and its subcommands to the command parser."""
    p = subparsers.add_parser(
        "catalog",
        help="the plan catalog: validate, list and query, check sources against the plans",
        description="Parks and platforms, spatial structure, road schemes, projects and "
        "indicators of the Jiangmen plans (data/projects/*.yaml), each traced to file:line.",
    )
    sub = p.add_subparsers(dest="catalog_command", metavar="ACTION")

    v = sub.add_parser("validate", help="load every file; print row counts or the first error")
    v.set_defaults(func=run_validate)

    c = sub.add_parser(
        "check-sources",
        help="verify that every cited plan line names its row (needs the seeds)",
    )
    c.add_argument("--seeds", metavar="DIR", help="seeds directory (default: ../shared/seeds)")
    c.set_defaults(func=run_check)

    ls = sub.add_parser("list", help="list rows of one kind, filtered")
    ls.add_argument("kind", choices=(*KINDS, "scheme_member"))
    ls.add_argument("--zone", help="zone code or name (core, 都市核心区 …)")
    ls.add_argument("--county", help="county code or name (台山市)")
    ls.add_argument("--township", help="township code or name (use --county for short names)")
    ls.add_argument("--status", help="normalised status (completed, to_complete_by_2025 …)")
    ls.add_argument("--year", type=int, help="projects due by this year")
    ls.add_argument("--scheme", help="scheme id or name (members of it / projects tagged)")
    ls.add_argument("--format", choices=("text", "csv"), default="text")
    ls.set_defaults(func=run_list)

    s = sub.add_parser("search", help="find rows whose name or alias contains TEXT")
    s.add_argument("text")
    s.set_defaults(func=run_search)

    sh = sub.add_parser("show", help="the plan lines behind a row (same as jmgis explain)")
    sh.add_argument("id")
    sh.set_defaults(func=run_show)

    p.set_defaults(func=lambda args: p.print_help() or 0)


def run_validate(args: argparse.Namespace) -> int:
    """Run ``jmgis catalog validate``; returns the exit status."""
    from jmgis.catalog import load_catalog

    catalog = load_catalog()
    for kind, frame in catalog.frames().items():
        print(f"{kind:<10} {len(frame):>4} rows")
    print(f"{'member':<10} {len(catalog.scheme_members):>4} scheme members")
    print(f"catalog OK ({catalog.directory})")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Run ``jmgis catalog check``; returns the exit status."""
    from jmgis.catalog import check_sources, load_catalog

    catalog = load_catalog()
    problems = check_sources(catalog, seeds=args.seeds)
    total = sum(len(f) for f in catalog.frames().values()) + len(catalog.scheme_members)
    for problem in problems:
        print(problem)
    status = "FAILED" if problems else "OK"
    print(f"source check {status}: {len(problems)} problem(s) in {total} rows")
    return 1 if problems else 0


def run_list(args: argparse.Namespace) -> int:
    """Run ``jmgis catalog list``; returns the exit status."""
    from jmgis.catalog import load_catalog, query

    catalog = load_catalog()
    kind = args.kind
    if kind == "scheme_member" or (args.scheme and kind != "project"):
        if not args.scheme:
            raise SystemExit("jmgis catalog list scheme_member: give --scheme")
        frame = query.by_scheme(args.scheme, catalog)
    elif args.scheme:
        frame = query.projects_of_scheme(args.scheme, catalog)
    else:
        frame = catalog.frames()[kind]
    if args.zone:
        frame = frame[frame["id"].isin(query.by_zone(args.zone, kind, catalog)["id"])]
    if args.county:
        frame = frame[frame["id"].isin(query.by_county(args.county, kind, catalog)["id"])]
    if args.township:
        hit = query.by_township(args.township, kind, catalog, county=args.county)
        frame = frame[frame["id"].isin(hit["id"])]
    if args.status:
        frame = frame[frame["id"].isin(query.by_status(args.status, kind, catalog)["id"])]
    if args.year:
        frame = frame[frame["id"].isin(query.by_year(args.year, catalog)["id"])]
    columns = _columns(kind if "member_id" not in frame.columns else "scheme_member")
    table = frame[[c for c in columns if c in frame.columns]].copy()
    for col in table.columns:
        table[col] = table[col].map(lambda v: "、".join(map(str, v)) if isinstance(v, list) else v)
    if args.format == "csv":
        from jmgis.tabular import safe_csv

        safe_csv(table, sys.stdout)
    else:
        with_width = table.to_string(index=False) if len(table) else "(no rows)"
        print(with_width)
        print(f"{len(table)} row(s)")
    return 0


def _columns(kind: str) -> list[str]:
    return {
        "park": ["id", "name", "kind", "level", "zone_code", "status"],
        "facility": ["id", "name", "sector", "facility_type", "status", "placement"],
        "structure": ["id", "name", "kind", "pattern", "zone_code"],
        "project": ["id", "name", "category", "status", "target_year", "scheme_member"],
        "indicator": ["id", "name", "unit", "value_2020", "target_2025", "nature"],
        "scheme": ["id", "name", "level", "member_count", "superseded_by"],
        "scheme_member": ["member_id", "label", "roads"],
    }[kind]


def run_search(args: argparse.Namespace) -> int:
    """Run ``jmgis catalog search``; returns the exit status."""
    from jmgis.catalog import search

    hits = search(args.text)
    print(hits.to_string(index=False) if len(hits) else f"no row mentions {args.text!r}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Run ``jmgis catalog show``; returns the exit status."""
    from jmgis.cli.cmd_explain import show

    return show(args.id)
